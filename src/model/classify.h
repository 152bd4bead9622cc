/*
 * What a model is: framework (MLX, GGUF, PyTorch), type and capabilities
 * by MLX-Knife 2.0's rules, and mlx-lm's table of known model types.
 * Uses the parsed metadata (model/meta.h) and the repo (cache/repo.h).
 * Layer: model/ (may use cache/, util/).
 */
#ifndef MODEL_CLASSIFY_H
#define MODEL_CLASSIFY_H

#include <stdbool.h>

#include "model/meta.h"

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
/* The same, over metadata m already loaded (model_meta_load). */
enum framework model_framework_of(struct model_meta *m, struct repo *r,
				  struct repo_rev *rev);

#endif
