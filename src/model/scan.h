/*
 * Inspecting many repos of the cache at once: the models of "mlxk list".
 * Owns the worker pool that runs model_inspect over the repo folders on
 * a few threads and keeps the results in the cache's order. Uses cache/
 * (repo folders, names, resolve's name match) and model/inspect.h.
 * Layer: model/ (may use cache/, util/).
 */
#ifndef MODEL_SCAN_H
#define MODEL_SCAN_H

#include <stddef.h>

#include "cache/cache.h"
#include "model/inspect.h"
#include "util/strbuf.h"

struct model_scan_opts {
	const char *pattern; /* name filter (resolve_name_matches), or NULL */
	const char *skip;    /* names containing this are never listed */
	unsigned frameworks; /* bit 1 << enum framework each; 0: any */
	bool usage;	     /* fill disk_bytes, accessed, nr_revs */
	size_t max_threads;  /* 0: MODEL_SCAN_MAX_THREADS */
	volatile const int *stop; /* checked between repos; may be NULL */
};

#define MODEL_SCAN_MAX_THREADS 4

/*
 * Inspect every model repo of the cache that matches o, on up to
 * o->max_threads threads (one per 32 repos, at most one per CPU), and
 * return their infos in the order of cache_model_folders() in *out (nr
 * of them; release each with model_info_release, then free *out). A
 * repo that cannot be read is a model_inspect_failed() entry. Returns
 * -1 with err set when the cache root cannot be listed.
 */
int model_scan(struct cache *c, const struct model_scan_opts *o,
	       struct model_info **out, size_t *nr, struct strbuf *err);

#endif
