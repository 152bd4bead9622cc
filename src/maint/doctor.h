/*
 * Whole-cache diagnostics: the garbage and the damage huggingface_hub's
 * own scan never reports (orphan blobs, stale .incomplete files, lock
 * folders of deleted repos, .no_exist/ and trees/ entries of deleted
 * revisions, temporary files of interrupted writes), broken refs and links,
 * detached revisions, and permission problems of shared caches. Covers
 * models--, datasets--, spaces-- and kernels-- repos. Nothing here changes the
 * cache.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_DOCTOR_H
#define MAINT_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cache/cache.h"
#include "maint/perms.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum doctor_cat {
	DOCTOR_ORPHAN_BLOB, /* in blobs/, linked by no snapshot */
	/* .incomplete whose lock is free or missing, untouched for a day */
	DOCTOR_INCOMPLETE,
	/* .incomplete whose lock is free or missing, changed within a day:
	 * pull --force-resume continues it; prune leaves it alone */
	DOCTOR_RESUMABLE,
	DOCTOR_DANGLING,    /* snapshot link to a missing blob / outside */
	DOCTOR_BAD_REF,	    /* ref to a missing snapshot, or not exact */
	DOCTOR_DETACHED,    /* revision no ref points to */
	DOCTOR_LOCK_FOLDER, /* .locks/<folder> of a repo that is gone */
	DOCTOR_NO_EXIST,    /* .no_exist/<commit> of a missing revision */
	DOCTOR_TREE,	    /* trees/<commit>.json of a missing revision */
	DOCTOR_TEMP, /* refs/, trees/ temp files of an interrupted write */
	/* a repo folder or blobs/ that is a symlink, a FIFO or folder in
	 * blobs/, a file in snapshots/, a ref that is a symlink: never
	 * written or deleted through, only reported */
	DOCTOR_SHAPE,
	DOCTOR_PERMISSION, /* see perms.h */
	DOCTOR_NR
};

struct doctor_item {
	enum doctor_cat cat;
	char *folder;	/* repo folder (lock folders: the missing repo's) */
	char *path;	/* relative to the cache root */
	char *name;	/* blob name, .incomplete name, commit, ref name */
	char *detail;	/* one line for humans, or NULL */
	uint64_t bytes; /* reclaimable by removing it */
	time_t mtime;	/* orphan blobs, detached revisions: last change */
	/* DOCTOR_PERMISSION only: */
	char *owner;
	mode_t mode;
	bool is_dir;
	char *cure; /* the command that cures it */
};

struct doctor_report {
	struct doctor_item *items;
	size_t nr, alloc;
	size_t count[DOCTOR_NR];
	uint64_t bytes[DOCTOR_NR]; /* per category, shared blobs once */
	size_t repos;		   /* repo folders looked at */
	size_t active_downloads;   /* .incomplete files whose lock is held */
	struct strlist warnings;   /* folders that could not be read */
	/* The first listing cut short by a read error: what it hid would
	 * look orphaned or detached, so prune deletes nothing. */
	char *read_error;
	struct perms_report perms;
};

/* Look at the whole cache. Returns -1 with err set if it is unreadable. */
int doctor_scan(struct cache *c, struct doctor_report *rep, struct strbuf *err);
void doctor_report_release(struct doctor_report *rep);

/* "orphan_blobs", "stale_incomplete", ...: JSON keys. */
const char *doctor_cat_key(enum doctor_cat cat);
/* "orphan blobs", "stale .incomplete files", ...: human titles. */
const char *doctor_cat_title(enum doctor_cat cat);

/*
 * Seconds a temporary file of an atomic write must be old to count as
 * left over: a live writer keeps one for milliseconds.
 */
#define DOCTOR_TEMP_AGE (60 * 60)

/*
 * Whether blobs/<name> is a record of finished ranges whose partial file
 * is gone (another client finished or deleted the download): nothing will
 * read it again, so it counts as a temporary file.
 */
bool doctor_record_orphaned(int blobs_fd, const char *name);
/*
 * When snapshots/<commit> of the repo folder open at repo_fd last changed:
 * the newest mtime of the folder and its entries (links not followed). A
 * pull links files into a snapshot before the ref of a new commit may
 * exist; until it is older than prune's expiry it is not "detached".
 * Returns the current time when it cannot be read (keep it).
 */
time_t doctor_snapshot_mtime(int repo_fd, const char *commit);

/*
 * Seconds a partial download (blobs/ *.incomplete) whose lock nobody holds
 * must stay untouched before it counts as stale, and prune may remove it:
 * until then it is an interrupted pull that --force-resume continues.
 */
#define DOCTOR_PARTIAL_STALE_AGE (24 * 60 * 60)

/* Default age (seconds) an orphan or detached revision must reach before
 * prune removes it, as "git prune --expire". */
#define DOCTOR_EXPIRE_DEFAULT (60 * 60)

#endif
