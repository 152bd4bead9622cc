/*
 * Integrity rules for one cached revision: MLX-Knife 2.0's health check
 * (same reason strings) plus what it never looked at: broken snapshot
 * links, files that are not regular or not readable, pending downloads
 * (blobs/ *.incomplete) and damaged refs. Nothing here prints.
 * Layer: model/ (may use cache/, util/).
 */
#ifndef MODEL_HEALTH_H
#define MODEL_HEALTH_H

#include <stdbool.h>

#include "model/classify.h"
#include "model/meta.h"
#include "cache/repo.h"

#define HEALTH_OK "Model is healthy"
#define HEALTH_MULTI_OK "Multi-file model complete"

/*
 * Check rev of r (rev NULL: the repo has no usable snapshot). m holds
 * the already parsed metadata, cls the classification (vision models need
 * a processor config). Returns true when healthy; reason always receives
 * one line ("Model is healthy", "Multi-file model complete", or the first
 * problem found).
 */
bool health_check(struct repo *r, struct repo_rev *rev, struct model_meta *m,
		  const struct model_class *cls, struct strbuf *reason);

/* True when a file name marks a partial download (*.partial, *.tmp). */
bool health_is_partial_marker(const char *name);

/*
 * Runtime compatibility with mlx-lm after the integrity check passed:
 * returns true, or false with reason set ("Incompatible framework: GGUF",
 * "Legacy format not supported by mlx-lm", ...).
 */
bool health_runtime_check(struct repo_rev *rev, enum framework fw,
			  const struct model_meta *m,
			  const struct model_class *cls, struct strbuf *reason);

#endif
