/*
 * Pruning the cache: removing what the whole-cache diagnostics
 * (maint/doctor.h) report as garbage. Owns which categories may go and
 * how each goes: blobs and .incomplete files after taking their blob
 * lock (maint/delete.h's delete_blob), detached revisions by a revision
 * delete plan, lock folders of gone repos by lock/'s sweep, .no_exist/
 * and trees/ leftovers and temporary files after checking again that
 * they are still garbage. Uses cache/, lock/, maint/doctor and
 * maint/delete; never prints.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_PRUNE_H
#define MAINT_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"
#include "maint/doctor.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum prune_outcome {
	PRUNE_PLANNED, /* will go (after a dry run: would go) */
	PRUNE_DONE,    /* removed */
	PRUNE_BUSY,    /* kept: a lock of it is held */
	PRUNE_FAILED,  /* could not be removed, or changed since the scan */
};

struct prune_item {
	const struct doctor_item *item; /* in the plan's report */
	enum prune_outcome state;
	uint64_t bytes; /* expected, then freed */
	char *error;	/* BUSY and FAILED: why, one line */
};

struct prune_plan {
	struct doctor_report rep;
	bool detached; /* detached revisions go too */
	/*
	 * Seconds an orphan blob or a detached revision must be left alone
	 * before it goes (git prune's --expire): huggingface_hub links an
	 * existing blob without its lock, and a pull's new snapshot has no
	 * ref yet. young counts those kept for it.
	 */
	long long expire;
	size_t young;
	struct prune_item *items; /* detached revisions last */
	size_t nr;
	uint64_t bytes; /* what the plan expects to free */
	/* After prune_execute: */
	size_t done; /* removed (dry run: would go) */
	size_t busy; /* kept because in use */
	size_t failed;
	uint64_t freed; /* dry run: would free */
};

/* Whether a category is garbage prune removes (detached: if asked). */
bool prune_category(enum doctor_cat cat, bool detached);

/*
 * Scan the cache (doctor_scan) and list what would go and why (each
 * item's doctor category), with its bytes. Read-only. Detached revisions
 * come last, so that their plans see the pruned repo. Returns -1 with
 * err set when the cache cannot be read; release p either way.
 */
int prune_plan_build(struct cache *c, bool detached, long long expire,
		     struct prune_plan *p, struct strbuf *err);
/*
 * Remove the plan's items in order until stop is set, each with its own
 * outcome; with dry_run, only check each item (locks probed, revision
 * plans made) and change nothing. An orphan blob is checked again under
 * its lock (a snapshot linking it keeps it), a detached revision again
 * for its age. Fills the plan's counts, and given_up with the lock files
 * whose blocked waiters were left unescorted.
 */
void prune_execute(struct cache *c, struct prune_plan *p, bool dry_run,
		   volatile const int *stop, struct strlist *given_up);
void prune_plan_release(struct prune_plan *p);

#endif
