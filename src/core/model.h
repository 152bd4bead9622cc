/*
 * The model object of MLX-Knife 2.0: what a cached revision is (framework,
 * type, capabilities) as detected from its files.
 */
#ifndef CORE_MODEL_H
#define CORE_MODEL_H

#include "repo.h"

enum framework {
	FRAMEWORK_MLX,
	FRAMEWORK_GGUF,
	FRAMEWORK_PYTORCH,
	FRAMEWORK_UNKNOWN,
};

/* "MLX", "GGUF", "PyTorch", "Unknown" as the JSON API spells them. */
const char *framework_name(enum framework fw);

/*
 * MLX-Knife 2.0's framework detection: MLX when the name is under
 * mlx-community/, README.md front matter has the tag mlx or
 * library_name: mlx, or config.json has a "quantization" key; else GGUF
 * when any *.gguf exists; else PyTorch for *.safetensors or
 * pytorch_model*.bin; else Unknown. rev's files must be loaded.
 */
enum framework model_detect_framework(struct repo *r, struct repo_rev *rev);

/* True when README.md's front matter marks the model as MLX. */
bool model_readme_says_mlx(const char *readme);

#endif
