/*
 * The lock protocol huggingface_hub uses for blobs: an empty file
 * .locks/<repo folder>/<etag>.lock, locked with flock(LOCK_EX). A lock is
 * held only while somebody holds its flock; the file's existence means
 * nothing, since huggingface_hub never deletes it.
 * Layer: lock/ (may use cache/, util/).
 */
#ifndef LOCK_LOCK_H
#define LOCK_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "cache/cache.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum lock_probe {
	LOCK_FREE,     /* nobody holds it */
	LOCK_HELD,     /* somebody holds its flock */
	LOCK_MISSING,  /* there is no such file */
	LOCK_SOFT,     /* non-empty: a SoftFileLock marker, held by existence */
	LOCK_NOT_FILE, /* a symlink, directory or other non-file */
	LOCK_NO_FLOCK, /* the file system does not support flock */
	LOCK_UNREADABLE, /* cannot be opened (permissions) */
};

/*
 * Take the lock of blob etag of repo folder, creating .locks/<folder>/ and
 * the lock file (mode 0664) as huggingface_hub does. With wait, blocks
 * until acquired (interruptible: returns -1 with errno EINTR if *stop is
 * set); without, returns LOCK_ACQUIRE_BUSY when someone else holds it.
 * Returns LOCK_ACQUIRED and the open descriptor in *fd when acquired,
 * LOCK_ACQUIRE_FAILED with err set otherwise.
 */
enum lock_acquire_result {
	LOCK_ACQUIRE_FAILED = -1,
	LOCK_ACQUIRED = 0,
	LOCK_ACQUIRE_BUSY = 1,
};
enum lock_acquire_result lock_acquire(struct cache *c, const char *folder,
				      const char *etag, bool wait,
				      volatile const int *stop, int *fd,
				      struct strbuf *err);
/* Release a lock taken with lock_acquire. The file stays, as in filelock. */
void lock_release(int fd);
/*
 * Probe the lock file name under dirfd without creating it and without
 * keeping it: open without O_CREAT, try flock(LOCK_EX|LOCK_NB), unlock.
 */
enum lock_probe lock_probe_at(int dirfd, const char *name);

/*
 * Safe deletion of lock files (reference: hf-cache-protocol.md 3.5).
 *
 * A lock file may only go while we hold its flock, and must be unlinked
 * while still held: a process that opened the old inode just before the
 * unlink then fails its non-blocking flock, closes and reopens the path,
 * landing on a fresh file. We keep holding the unlinked inode for a grace
 * period G (default 2 s, far above filelock's 50 ms poll) before closing.
 *
 * Waiting G per file would make 100,000 files take days, so unlinked
 * locks are parked in a struct lock_grace: they stay held together and
 * are all released once the newest of them is G old. When the parked set
 * reaches the descriptor budget (RLIMIT_NOFILE, raised from soft to hard),
 * a child process inherits the whole set (flocks belong to the open file,
 * so the child's copies keep them held), waits out their grace period and
 * exits, while this process closes its copies and carries on. A run
 * therefore costs about one grace period in total, whatever its size.
 */

/*
 * Whether a flock error says the file system has no flock: ENOSYS,
 * EOPNOTSUPP, ENOLCK, and ENOTSUP (SMB's answer; a different value from
 * EOPNOTSUPP on macOS and the BSDs).
 */
bool lock_errno_no_flock(int e);

/* Grace period: MLXK_LOCK_GRACE_MS from the environment, else 2000. */
unsigned lock_grace_default_ms(void);

struct lock_parked {
	int fd;	    /* unlinked, still flocked */
	int dir;    /* index in dirs[], or -1 when the name is unknown */
	char *name; /* its former name in that directory */
	dev_t dev;
	ino_t ino;
};

struct lock_grace {
	struct lock_parked *parked;
	size_t nr, cap; /* cap: descriptor budget for the set */
	int *dirs;	/* directories of parked files (dup'ed) */
	size_t nr_dirs, alloc_dirs;
	dev_t last_dir_dev; /* of dirs[nr_dirs - 1] */
	ino_t last_dir_ino;
	unsigned grace_ms;     /* how long each stays held after unlink */
	struct timespec until; /* when the newest parked fd may close */
	pid_t *children;       /* holders of earlier sets */
	size_t nr_children, alloc_children;
	size_t escorts; /* blocked waiters found and escorted */
	/*
	 * An escort ends after MLXK_ESCORT_LIMIT_MS (default 30 s) or once
	 * *stop is set; the names it gave up on are listed here (this
	 * process's escorts only, not a helper child's).
	 */
	volatile const int *stop;
	struct strlist given_up;
	bool is_helper;	     /* we are a child holding a handed set */
	bool use_proc_locks; /* consult /proc/locks (small sets only) */
};

/*
 * Prepare a parking set. Raises this process's RLIMIT_NOFILE soft limit to
 * the hard limit (never lowers it) to size the set.
 */
void lock_grace_init(struct lock_grace *g, unsigned grace_ms);
/*
 * Park fd, which holds the flock of a lock file just unlinked from name
 * under dirfd (dirfd -1 / name NULL if unknown: then no escort, below).
 * Takes ownership of fd; dirfd stays the caller's. May hand the set over
 * to a child (see above) or, if fork fails, wait out the grace period of
 * the set before returning.
 *
 * The grace period covers clients that poll with non-blocking flock
 * (filelock, huggingface_hub). A client that blocks in flock(LOCK_EX)
 * (flock(1), lockf) on the old inode would get it after we close, while
 * newcomers lock the new file. So before closing, the waiters listed in
 * /proc/locks and the processes that have the old inode open (both on
 * Linux; /proc/locks only for small sets) are looked up; for such an inode
 * we take the lock of the file now at that name (created if needed),
 * let the waiters have the old inode, and release the new file only once
 * nobody holds or waits for the old inode any more ("escort").
 */
void lock_grace_add_at(struct lock_grace *g, int fd, int dirfd,
		       const char *name);
/* lock_grace_add_at without a name. */
void lock_grace_add(struct lock_grace *g, int fd);
/*
 * Wait until every parked descriptor has been held for its grace period,
 * close them, and wait for the children holding earlier sets. Must be
 * called before the caller reports the lock files as gone (and before
 * removing their now empty folders). The set can be reused afterwards.
 */
void lock_grace_finish(struct lock_grace *g);
/* lock_grace_finish, then free the set. */
void lock_grace_release(struct lock_grace *g);

/*
 * Open lock file name under dirfd without creating it (O_RDWR, O_RDONLY on
 * EACCES; never follows a link) and try flock(LOCK_EX|LOCK_NB). On success
 * checks that the descriptor is still the file at that name (st_dev,
 * st_ino, st_nlink >= 1). Returns:
 *   LOCK_FREE     locked by us now: *fd is the descriptor to keep
 *   LOCK_HELD     somebody else holds it
 *   LOCK_MISSING  no such file, or it was replaced while we looked
 *   LOCK_NO_FLOCK / LOCK_UNREADABLE / LOCK_NOT_FILE as for lock_probe_at
 * Does not look at the size: callers check for soft locks first.
 */
enum lock_probe lock_take_at(int dirfd, const char *name, int *fd);
/*
 * Unlink lock file name under dirfd whose flock we hold through fd (from
 * lock_take_at or lock_acquire), re-checking that the name still refers
 * to fd's inode, and park fd in g. On any failure fd is closed and -1 is
 * returned with errno set (EACCES/EPERM: no permission to unlink; ESTALE:
 * the name now refers to another file, which is left alone).
 */
int lock_unlink_held(int dirfd, const char *name, int fd, struct lock_grace *g);

/*
 * lock_unlink_held for a lock file this process created itself (O_EXCL)
 * during this run. If, once it is unlinked, no other process has the file
 * open or waits for it (Linux: /proc/<pid>/fd and /proc/locks), nobody can
 * ever reach that inode again, so fd is closed at once and no grace period
 * is waited for it: "no wait without a reason". Otherwise, and where this
 * cannot be checked, fd is parked in g like any other lock.
 */
int lock_unlink_own(int dirfd, const char *name, int fd, struct lock_grace *g);

/* What happened to one lock file in a sweep. */
enum lock_fate {
	LOCK_REMOVED,	    /* deleted (or would be, in a dry run) */
	LOCK_KEPT_HELD,	    /* somebody holds its flock */
	LOCK_KEPT_RECENT,   /* mtime newer than older_than */
	LOCK_KEPT_DOWNLOAD, /* its blobs/<etag>*.incomplete exists */
	LOCK_KEPT_SOFT,	    /* non-empty SoftFileLock marker, owner alive
			       or not provably dead */
	LOCK_KEPT_NO_PERM,  /* cannot open or unlink it (owner in uid) */
	LOCK_KEPT_NOT_FILE, /* symlink, directory, FIFO...: never touched */
	LOCK_KEPT_NO_FLOCK, /* file system without flock: cannot prove free */
	LOCK_KEPT_CHANGED,  /* replaced by another file while we looked */
	LOCK_KEPT_ERROR,    /* any other error (errno in err) */
	LOCK_GONE,	    /* vanished on its own before we got to it */
	LOCK_FATE_COUNT
};

/* Short reason words for reports and JSON: "removed", "held", ... */
const char *lock_fate_name(enum lock_fate f);

struct lock_sweep_item {
	char *path; /* relative to the cache root */
	enum lock_fate fate;
	bool soft; /* a SoftFileLock marker (removed only if owner dead) */
	uid_t uid; /* owner of the file */
	int err;   /* errno for LOCK_KEPT_NO_PERM / LOCK_KEPT_ERROR */
};

struct lock_sweep_opts {
	time_t older_than;	  /* seconds: keep files used more recently */
	unsigned grace_ms;	  /* see lock_grace; lock_grace_default_ms() */
	bool dry_run;		  /* decide every fate, change nothing */
	volatile const int *stop; /* when set to non-zero, stop early */
	/*
	 * Count removed and vanished files but keep no item for them, so
	 * that a sweep of a million files holds only what it kept.
	 */
	bool forget_removed;
	/* Called with every item once its fate is known (may be NULL). */
	void (*on_item)(const struct lock_sweep_item *it, void *arg);
	void *on_item_arg;
};

struct lock_sweep {
	struct lock_sweep_opts opts;
	struct lock_sweep_item *items;
	size_t nr, alloc;
	size_t count[LOCK_FATE_COUNT];
	struct lock_grace grace;
	char hostname[256];
	time_t now;
};

void lock_sweep_init(struct lock_sweep *s, const struct lock_sweep_opts *o);
/*
 * Run the recipe on every "*.lock" regular name in directory dirfd (shown
 * as display, relative to the cache root; other names are not looked at):
 *  1. lstat; anything but a regular file is kept (LOCK_KEPT_NOT_FILE);
 *  2. files whose mtime is newer than opts.older_than are kept (ctime
 *     moves on chmod and copy, which are not use);
 *  3. a non-empty file is a SoftFileLock marker "pid\nhost\n...": it is
 *     removed only when host is this host and kill(pid, 0) says ESRCH;
 *  4. an empty file whose download is in progress (blobs_fd, if >= 0,
 *     holds <etag>.incomplete or <etag>.<8hex>.incomplete) is kept;
 *  5. open without O_CREAT, flock(LOCK_EX|LOCK_NB), identity check
 *     (lock_take_at), unlink while holding, park in the grace set.
 * Results are appended to s->items. Returns -1 only if dirfd cannot be
 * read.
 */
int lock_sweep_dir(struct lock_sweep *s, int dirfd, const char *display,
		   int blobs_fd, struct strbuf *err);
/*
 * lock_sweep_dir without listing the folder first: each "*.lock" name is
 * swept as the directory read returns it, so a folder of a million lock
 * files costs no memory. Unlinking while reading is safe: every name not
 * removed is still returned exactly once. No blobs/ folder is consulted.
 * *seen (if not NULL) gets the number of lock names met. display "" means
 * the names are shown without a folder.
 */
int lock_sweep_stream(struct lock_sweep *s, int dirfd, const char *display,
		      size_t *seen, struct strbuf *err);
/* The same recipe for one file name under dirfd. */
enum lock_fate lock_sweep_file(struct lock_sweep *s, int dirfd,
			       const char *display, const char *name,
			       int blobs_fd);
/*
 * Wait out the grace period of everything unlinked so far (lock_grace_
 * finish). Call before removing emptied folders and before reporting.
 */
void lock_sweep_finish(struct lock_sweep *s);
void lock_sweep_release(struct lock_sweep *s);

/* True when a SoftFileLock marker "pid\nhost\n..." names this host and a
 * process that no longer exists (kill(pid, 0) fails with ESRCH). */
bool lock_soft_owner_dead(const char *content, const char *hostname);

#endif
