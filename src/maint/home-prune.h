/*
 * Garbage outside the hub cache: crash leftovers and unused downloads of
 * the datasets cache, stale partial files of --local-dir folders, and the
 * Xet caches (hf-home-protocol.md A.3-A.4, B, C).
 *
 * As everywhere in maint/, a prune is planned first (read-only: what would
 * go, its bytes and inodes, and why anything stays) and then executed. The
 * plan only probes locks; execution takes the lock that protects each item
 * without blocking (creating the lock file when it is missing, as its
 * writer would), checks the item again under it, removes it through
 * directory descriptors without following links, and lets the lock go.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_HOME_PRUNE_H
#define MAINT_HOME_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/strbuf.h"

enum home_kind {
	HK_DL_INCOMPLETE,    /* downloads/<F>.incomplete */
	HK_BUILD_INCOMPLETE, /* <name>/<config>/<version>/<hash>.incomplete/ */
	HK_TMP,		     /* <hash>/tmpXXXXXXXX of a crashed map() */
	HK_ORPHAN_JSON,	     /* downloads/<F>.json without <F> */
	HK_OLD_DOWNLOAD,     /* downloads/<F> (+ .json), --older-than */
	HK_OLD_EXTRACTED,    /* downloads/extracted/<X>, --older-than */
	HK_LD_INCOMPLETE,    /* local dir: download/... *.incomplete */
	HK_LD_TMP,	     /* local dir: download/.../tmp_<uuid> */
	HK_LD_METADATA,	     /* local dir: .metadata of a file that is gone */
	HK_XET_SHARD,	     /* xet: shard-cache/ (shard_cache/) contents */
	HK_XET_CHUNK,	     /* xet: chunk-cache/ (chunk_cache/) contents */
	HK_XET_STAGING,	     /* xet: staging/ contents */
	HK_KIND_COUNT
};

/* "incomplete_download", "incomplete_build", ... for reports and JSON. */
const char *home_kind_name(enum home_kind k);

struct home_item {
	enum home_kind kind;
	char *path;	  /* relative to the area's root */
	char *lock;	  /* the lock that guards it (relative), or NULL */
	bool lock_folder; /* lock is a folder: all its lock files guard it */
	uint64_t bytes, inodes;
	char *kept; /* why it stays, or NULL when it goes (or went) */
	bool done;  /* removed by execution */
};

struct home_plan {
	char *root;
	struct home_item *items;
	size_t nr, alloc;
	/*
	 * Why a whole category stays: the path of a held builder lock
	 * (age-based pruning of the datasets cache), a live hf_xet process
	 * (Xet); NULL when nothing blocks.
	 */
	char *blocked;
	uint64_t bytes, inodes; /* of the items that go */
	size_t going, kept;
};

struct home_prune_opts {
	long long older_than;  /* seconds; < 0: no age-based pruning */
	long long tmp_min_age; /* tmp files newer than this stay (seconds) */
	bool xet_staging;      /* xet: empty staging/ too */
	time_t now;
};

/*
 * Plan a prune of the datasets cache at root (missing: empty plan):
 * interrupted downloads and builds, tmp files of crashed map() runs,
 * .json sidecars without their file and, with older_than >= 0, downloads
 * and extractions unused for that long (atime where the mount records it,
 * else mtime) -- unless a builder lock of the cache is held, or a built
 * dataset with Image/Audio/Video/Pdf features refers to them by path (its
 * Arrow files are searched for downloads/<sha256> paths); when a built
 * dataset cannot be checked, every old download stays.
 */
int home_prune_datasets_plan(const char *root, const struct home_prune_opts *o,
			     struct home_plan *p, struct strbuf *err);
/*
 * Plan a prune of a --local-dir folder: download/... *.incomplete and tmp_*
 * files whose lock is free, .metadata of files gone from DIR. Never the
 * downloaded files, never upload/.
 */
int home_prune_local_dir_plan(const char *dir, const struct home_prune_opts *o,
			      struct home_plan *p, struct strbuf *err);
/*
 * Plan emptying the Xet caches at root: the contents of shard-cache/ and
 * chunk-cache/ (either spelling) of every endpoint folder, and staging/
 * with o->xet_staging. Nothing goes while an hf_xet process is alive by
 * xet's own rule: a logs/xet_<time>_<pid>.log whose pid runs and started
 * before <time> (Linux /proc; elsewhere liveness cannot be shown, and
 * nothing goes).
 */
int home_prune_xet_plan(const char *root, const struct home_prune_opts *o,
			struct home_plan *p, struct strbuf *err);
/*
 * Execute a plan: every item that goes is removed under its lock, checked
 * again first; what cannot go gets a kept reason. Returns -1 (err set)
 * only if the root cannot be opened.
 */
int home_prune_execute(struct home_plan *p, const struct home_prune_opts *o,
		       struct strbuf *err);
void home_plan_release(struct home_plan *p);

#endif
