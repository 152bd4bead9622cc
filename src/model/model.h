/*
 * The model object of MLX-Knife 2.0: what a cached revision is (framework,
 * type, capabilities, health, runtime compatibility) as detected from its
 * files. Every metadata file is read at most once per inspection and the
 * parsed config is shared by all the rules.
 */
#ifndef CORE_MODEL_H
#define CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "cache/repo.h"

enum framework {
	FRAMEWORK_MLX,
	FRAMEWORK_GGUF,
	FRAMEWORK_PYTORCH,
	FRAMEWORK_UNKNOWN,
};

/* "MLX", "GGUF", "PyTorch", "Unknown" as the JSON API spells them. */
const char *framework_name(enum framework fw);
/* Parse a framework name case-insensitively; -1 when unknown. */
int framework_parse(const char *s);

/* Capabilities, in the order MLX-Knife lists them. */
enum {
	CAP_TEXT_GENERATION = 1 << 0,
	CAP_CHAT = 1 << 1,
	CAP_VISION = 1 << 2,
	CAP_AUDIO = 1 << 3,
	CAP_EMBEDDINGS = 1 << 4,
	CAP_AUDIO_TRANSLATE_EN = 1 << 5,
};
#define CAP_COUNT 6
/* Name of capability bit i (0..CAP_COUNT-1): "text-generation", ... */
const char *capability_name(int i);

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

/* How an embedding model was recognised (classify_embedder). */
enum embed_kind {
	EMBED_NONE,
	EMBED_DECODER,	/* causal LM named *embed* */
	EMBED_ENCODER,	/* bert */
	EMBED_DECLARED, /* xlm-roberta, modernbert, nomic_bert */
};

struct model_class {
	const char *model_type; /* "chat", "embedding", "audio", "base" */
	unsigned caps;		/* CAP_* bits */
	enum embed_kind embed;
	const char *config_type; /* config.json's model_type, or NULL */
};

/*
 * MLX-Knife 2.0's type and capability rules over the parsed metadata and
 * the repo name (org/name). Pure: reads nothing from disk.
 */
void model_classify(const char *name, const struct model_meta *m,
		    struct model_class *out);

/*
 * True when mlx-lm has an implementation for this config model_type
 * (directly or through its MODEL_REMAPPING aliases).
 */
bool model_type_supported_by_mlx_lm(const char *model_type);

/*
 * Framework detection of MLX-Knife 2.0: MLX when the name is under
 * mlx-community/, config.json has a "quantization" key, or README.md's
 * front matter has the tag mlx or library_name: mlx; else GGUF when any
 * *.gguf exists; else PyTorch for *.safetensors or pytorch_model*.bin;
 * else Unknown. rev's files must be loaded.
 */
enum framework model_detect_framework(struct repo *r, struct repo_rev *rev);

/* True when README.md's front matter marks the model as MLX. */
bool model_readme_says_mlx(const char *readme);

/* Everything the JSON model object and the human views show. */
struct model_info {
	char *name;   /* org/name */
	char *commit; /* snapshot folder name, or NULL without snapshots */
	char *hash;   /* commit when it is 40 hex, else NULL */
	uint64_t size_bytes;
	time_t mtime; /* of the snapshot folder */
	enum framework framework;
	char *model_type;
	unsigned caps;
	bool healthy;
	char *health_reason; /* "Model is healthy", or why not */
	bool runtime_compatible;
	char *reason; /* first problem (integrity beats runtime), or NULL */
	int quant_bits, quant_group; /* 0 when not quantized */
};

/*
 * Inspect one revision of a repo (rev may be NULL: the repo has no
 * snapshots) and fill mi. Never fails: every problem becomes an unhealthy
 * model with a reason. meta receives the parsed metadata (for show); pass
 * NULL when not needed.
 */
void model_inspect(struct repo *r, struct repo_rev *rev, struct model_info *mi,
		   struct model_meta *meta);
/* A model whose repo could not even be opened. */
void model_inspect_failed(const char *name, const char *why,
			  struct model_info *mi);
void model_info_release(struct model_info *mi);

/* The model object of JSON API 0.2.3, with exactly its eleven keys. */
json_t *model_info_json(const struct model_info *mi);

/*
 * show's "metadata" object: model_type, architecture, quantization,
 * context_length, vocab_size, hidden_size, num_attention_heads,
 * num_hidden_layers (null when config.json lacks them). NULL when there
 * is no usable config.json.
 */
json_t *model_metadata_json(const struct model_meta *m);

#endif
