/*
 * The model object of MLX-Knife 2.0 for one cached revision: what it is
 * (model/classify.h), whether it is intact and runnable (model/health.h),
 * and what list and show display. Never prints, never renders JSON.
 * Layer: model/ (may use cache/, util/).
 */
#ifndef MODEL_INSPECT_H
#define MODEL_INSPECT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "model/classify.h"
#include "model/meta.h"

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
	char *health_reason;	 /* "Model is healthy", or why not */
	bool runtime_compatible; /* false when unknown, too */
	bool runtime_unknown;	 /* JSON null: see health_runtime_check */
	char *reason; /* first problem (integrity beats runtime), or NULL */
	int quant_bits, quant_group; /* 0 when not quantized */
	/* The whole repo, over all revisions (model_scan with usage). */
	uint64_t disk_bytes;
	time_t accessed; /* newest blob atime, 0 when unknown */
	size_t nr_revs;
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

#endif
