/*
 * Cleaning lock files: which folders "mlxk clean-locks" sweeps and the
 * sweep itself. Owns the choice of folders (.locks/<repo> of MLX models
 * by default; with all, every lock folder and the legacy lock files in
 * <repo>/blobs/) and the removal of lock folders left empty for repos
 * that are gone. Each lock file goes by lock/'s safe recipe (lock_sweep_*).
 * Uses cache/, model/ (is a repo MLX?) and lock/; never prints.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_CLEAN_LOCKS_H
#define MAINT_CLEAN_LOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include "cache/cache.h"
#include "lock/lock.h"
#include "util/strbuf.h"
#include "util/strlist.h"

/* One folder to sweep: .locks/<name>, or <repo>/blobs for legacy locks. */
struct clean_locks_target {
	char *display; /* relative to the cache root */
	char *repo;    /* the repo folder whose blobs/ guards downloads */
	bool lock_folder;
	size_t entries;	    /* names in the folder before the sweep */
	size_t first, last; /* its items in the sweep */
};

struct clean_locks_plan {
	struct clean_locks_target *t;
	size_t nr, alloc;
	struct strlist skipped; /* not real directories: never entered */
};

/*
 * Find the folders to sweep: with all, every folder under .locks/ (a
 * non-directory there is listed in p->skipped) and every repo's blobs/
 * holding a lock file; without, the lock folders of MLX models (of
 * mlx-community when the repo is gone). Read-only. Returns -1 with err
 * set when .locks/ cannot be opened.
 */
int clean_locks_collect(struct cache *c, bool all, struct clean_locks_plan *p,
			struct strbuf *err);
/*
 * Sweep every folder of the plan with s (lock_sweep_init'ed by the
 * caller; s->opts.dry_run decides whether anything changes), wait out
 * the grace period, then remove the lock folders left empty of repos no
 * longer in the cache. Returns how many folders went (dry run: would go).
 */
size_t clean_locks_execute(struct cache *c, struct clean_locks_plan *p,
			   struct lock_sweep *s);
void clean_locks_plan_release(struct clean_locks_plan *p);

#endif
