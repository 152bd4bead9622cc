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

/* What the runtime check can say without running any Python. */
enum runtime_verdict {
	RUNTIME_NO,
	RUNTIME_YES,
	/* Runnable only with a package mlxk cannot look for (mlx-vlm,
	 * mlx-audio): the reason says which. */
	RUNTIME_UNKNOWN,
};

/*
 * Runtime compatibility after the integrity check passed: RUNTIME_YES, or
 * RUNTIME_NO with reason set ("Incompatible framework: GGUF", "Legacy
 * format not supported by mlx-lm", ...), or RUNTIME_UNKNOWN with reason
 * naming the package that decides.
 */
enum runtime_verdict health_runtime_check(struct repo_rev *rev,
					  enum framework fw,
					  const struct model_meta *m,
					  const struct model_class *cls,
					  struct strbuf *reason);

#endif
