/*
 * The metadata files of a cached revision, each read at most once per
 * inspection and parsed once, shared by every rule. Uses cache/repo.h.
 * Layer: model/ (may use cache/, util/).
 */
#ifndef MODEL_META_H
#define MODEL_META_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cache/repo.h"

/* How a JSON metadata file turned out. */
enum meta_state {
	META_MISSING,	   /* no such file in the revision */
	META_OK,	   /* parsed to a JSON object (maybe empty) */
	META_INVALID_JSON, /* not parsable */
	META_NOT_OBJECT,   /* parsed, but not an object */
	META_UNREADABLE,   /* present but cannot be read (too large, I/O) */
};

/* A small file of the revision, read once and kept for every rule. */
struct meta_blob {
	char *path;
	int rc; /* 0 read, -1 failed (see error) */
	struct strbuf data;
	char *error;
};

/* The metadata files of a revision, parsed. */
struct meta_json {
	json_t *json; /* the object when state == META_OK, else NULL */
	enum meta_state state;
};

struct model_meta {
	struct meta_json config;    /* config.json */
	struct meta_json tokcfg;    /* tokenizer_config.json */
	struct meta_json preproc;   /* preprocessor_config.json */
	struct meta_json processor; /* processor_config.json */
	bool tokenizer_template; /* tokenizer.json: non-empty chat_template */
	bool has_tokenizer_json; /* tokenizer.json exists */
	bool has_template_file;	 /* chat_template.json or .jinja */
	bool has_processor_file; /* any (pre|image_)processor_config.json */
	bool has_video_preprocessor; /* video_preprocessor_config.json */
	bool readme_mlx;	     /* README.md front matter says mlx */
	char *config_error;	     /* why config.json could not be read */
	/* Files read so far (so that no file is read twice). */
	struct meta_blob *blobs;
	size_t nr_blobs, alloc_blobs;
};

void model_meta_init(struct model_meta *m);
void model_meta_release(struct model_meta *m);
/*
 * Parse JSON bytes into slot (config.json and friends): META_OK for an
 * object, META_NOT_OBJECT for anything else that parses,
 * META_INVALID_JSON otherwise. Nesting deeper than jansson's limit is
 * invalid JSON, never a crash.
 */
void model_meta_parse(struct meta_json *slot, const char *buf, size_t len);
/*
 * tokenizer.json: parsed only when its raw bytes contain "chat_template";
 * sets m->tokenizer_template for a non-empty template.
 */
void model_meta_parse_tokenizer(struct model_meta *m, const char *buf,
				size_t len);
/*
 * Read a file of rev through the per-inspection cache: returns the bytes
 * (NUL-terminated) or NULL with *err set (missing, unreadable, too big).
 */
const struct strbuf *model_meta_read(struct model_meta *m, struct repo *r,
				     struct repo_rev *rev, const char *path,
				     size_t cap, const char **err);

/* Metadata files are small; anything bigger is not read. */
#define MODEL_META_CAP (8u << 20)

/* Whether a JSON value counts as true the way Python's bool() does. */
bool model_json_truthy(const json_t *v);
/* config.json's quantization bits and group size (0 when not quantized). */
void model_meta_quantization(const json_t *cfg, int *bits, int *group);
/* Gather everything the rules need of rev into m, reading each file once. */
void model_meta_load(struct model_meta *m, struct repo *r,
		     struct repo_rev *rev);
/* Read and parse one JSON file of rev into slot; why gets the error. */
void model_meta_load_json(struct model_meta *m, struct repo *r,
			  struct repo_rev *rev, const char *path,
			  struct meta_json *slot, char **why);

/* True when README.md's front matter marks the model as MLX. */
bool model_readme_says_mlx(const char *readme);

#endif
