/*
 * Deleting from the cache: a whole repo, one revision, or one blob.
 *
 * Every deletion is planned first (read-only: what goes, how many bytes
 * it frees, which blob locks other processes hold) and then executed. A
 * dry run is the plan alone. Execution:
 *  - takes the flock of every blob it deletes, non-blocking, before
 *    touching it (creating the lock file if missing, as huggingface_hub
 *    would), so a download in progress is never pulled from under its
 *    owner; a held lock makes the whole deletion refuse unless forced,
 *    and a forced deletion keeps the busy blob, its .incomplete files
 *    (blobs/<etag>.incomplete, blobs/<etag>.<8hex>.incomplete) and the
 *    held lock file;
 *  - removes refs, then snapshots, then blobs, so a concurrent reader
 *    never sees a ref to a missing snapshot or a link to a missing blob;
 *  - works only through directory descriptors without following links:
 *    a snapshot link pointing outside the cache is unlinked, its target
 *    untouched; a repo folder that is itself a symlink is unlinked and
 *    its target left where it is;
 *  - removes the lock files of the blobs it deleted with the safe recipe
 *    of lock.h (unlink while holding, then a grace period), and the lock
 *    folder when it is left empty.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_DELETE_H
#define MAINT_DELETE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"
#include "lock/lock.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum delete_kind {
	DEL_REF,	/* refs/<name> */
	DEL_SNAPSHOT,	/* snapshots/<commit>/ (a tree of links) */
	DEL_BLOB,	/* blobs/<etag> */
	DEL_INCOMPLETE, /* blobs/<etag>[.<8hex>].incomplete */
	DEL_NO_EXIST,	/* .no_exist/<commit>/ */
	DEL_TREE,	/* trees/<commit>.json */
	DEL_OTHER,	/* anything else in a repo being removed whole */
	DEL_LOCK,	/* .locks/<folder>/<etag>.lock (or a stray entry) */
	DEL_REPO_LINK,	/* the repo folder is a symlink: the link itself */
};

enum delete_state {
	DEL_PLANNED, /* will go (after a dry run: would go) */
	DEL_DONE,    /* removed */
	DEL_BUSY,    /* kept: its blob lock is held by another process */
	DEL_FAILED,  /* could not be removed; see error */
	DEL_SKIPPED, /* not attempted: an earlier step failed */
};

struct delete_entry {
	char *path; /* relative to the cache root */
	enum delete_kind kind;
	enum delete_state state;
	uint64_t bytes; /* regular-file bytes it frees (whole tree for dirs) */
	char *etag;	/* blob, incomplete and lock entries: the lock key */
	char *error;	/* DEL_FAILED: one line, names the file */
	int err;	/* DEL_FAILED: errno */
};

struct delete_plan {
	char *folder;	 /* models--org--name */
	char *name;	 /* org/name (or the folder for other repo types) */
	char *commit;	 /* the revision asked for, or NULL */
	bool whole_repo; /* the repo folder goes (asked, or last revision) */
	bool repo_is_symlink;
	char *link_target; /* readlink of the repo folder when a symlink */
	struct strlist revisions; /* commits that go */
	struct strlist refs;	  /* ref names that go */
	struct delete_entry *entries;
	size_t nr, alloc;
	/* Lock files of the repo whose flock someone else holds (or soft
	 * lock markers of a live owner), relative to the cache root. */
	struct strlist held_locks;
	/* Parallel to held_locks: "" for a held flock, or why a lock this
	 * user cannot open counts as held ("owner bob, mode 0600; ..."). */
	struct strlist held_notes;
	struct strlist busy_etags; /* sorted: their etags */
	/* The lock folder cannot be opened or written by this user: its
	 * owner may be downloading any blob, so every blob is busy. */
	bool locks_closed;
	uint64_t bytes;	 /* bytes the plan frees (busy excluded) */
	size_t nr_locks; /* lock files the plan removes */
	/* After delete_execute: */
	uint64_t bytes_freed;
	size_t locks_removed;
	size_t nr_kept;	  /* entries kept because busy */
	size_t nr_failed; /* entries that could not be removed */
	bool repo_removed;
	/* Lock files whose blocked waiters were left unescorted (time limit
	 * or stop), relative to the cache root. */
	struct strlist escort_given_up;
};

struct delete_opts {
	bool force; /* go ahead despite held locks, keeping what is busy */
	unsigned grace_ms;	  /* lock_grace_default_ms() if 0 */
	volatile const int *stop; /* checked between steps */
};

/*
 * Plan removing the whole repo folder (cache-root relative name, e.g.
 * "models--org--name") and its lock folder .locks/<folder>/. Read-only.
 * Returns -1 with err set if the folder does not exist.
 */
int delete_plan_repo(struct cache *c, const char *folder, struct delete_plan *p,
		     struct strbuf *err);
/*
 * Plan removing one revision (full commit = snapshot folder name): the
 * refs that name it, snapshots/<commit>, the blobs no other revision
 * links to, .no_exist/<commit>, trees/<commit>.json and the lock files of
 * the removed blobs. When it is the repo's only revision the plan is
 * the whole repo (p->whole_repo). Refuses (-1) if another revision cannot
 * be read completely, since its blobs could not be told apart.
 */
int delete_plan_revision(struct cache *c, const char *folder,
			 const char *commit, struct delete_plan *p,
			 struct strbuf *err);
/* How a deletion went. */
enum delete_outcome {
	DELETE_FAILED = -1,
	DELETE_DONE = 0,
	DELETE_BUSY = 1,
	DELETE_LINKED = 2, /* delete_blob: a snapshot links it (again) */
};

/*
 * Carry out a plan. Returns:
 *   DELETE_DONE    done (entries DEL_DONE, or DEL_BUSY when forced);
 *   DELETE_BUSY    refused: some blob lock of the repo is held and
 *                  o->force is off; nothing was changed; p->held_locks
 *                  lists the locks;
 *   DELETE_FAILED  something could not be removed: err names the first
 *                  failure (errno in p->entries[i].err). A failure while
 *                  removing refs or snapshots stops before the blobs, so
 *                  the repo stays consistent.
 */
enum delete_outcome delete_execute(struct cache *c, struct delete_plan *p,
				   const struct delete_opts *o,
				   struct strbuf *err);
void delete_plan_release(struct delete_plan *p);

/* "ref", "snapshot", "blob", "incomplete", "no_exist", "tree", ... */
const char *delete_kind_name(enum delete_kind k);

/*
 * Remove one file blobs/<name> of repo folder (a blob, a *.incomplete
 * file or an orphaned record of its ranges) after taking its blob lock
 * .locks/<folder>/<etag>.lock without blocking (etag = name up to the first
 * '.'; the lock file is created if missing). Returns DELETE_DONE when removed
 * (*bytes = its size), DELETE_BUSY when the lock is held by someone else, or
 * cannot be opened or created by this user and so may be held by its owner
 * (nothing done; err says which), DELETE_FAILED with err set. With dry_run the
 * lock is only probed and nothing changes. With grace non-NULL the lock
 * file is then removed as well (unlinked while held and parked in
 * grace; call lock_grace_finish before exiting); with grace NULL it is
 * released and left in place, as huggingface_hub leaves it.
 *
 * A blob (not a .incomplete file) is checked again while its lock is
 * held: if a snapshot links to it now (huggingface_hub links an existing
 * blob without taking its lock), it stays and 2 is returned. The repo
 * folder and blobs/ are opened without following links: a repo folder
 * that is a symlink is refused. A .incomplete file changed less than
 * partial_age seconds ago is looked at again under the lock and kept
 * (DELETE_BUSY): a pull resumed it since the scan. So is a record of
 * finished ranges (<etag>.incomplete.ranges) whose partial file is back
 * or that changed less than partial_age seconds ago.
 */
enum delete_outcome delete_blob(struct cache *c, const char *folder,
				const char *name, bool dry_run,
				long long partial_age, struct lock_grace *grace,
				uint64_t *bytes, struct strbuf *err);

#endif
