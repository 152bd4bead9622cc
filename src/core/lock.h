/*
 * The lock protocol huggingface_hub uses for blobs: an empty file
 * .locks/<repo folder>/<etag>.lock, locked with flock(LOCK_EX). A lock is
 * held only while somebody holds its flock; the file's existence means
 * nothing, since huggingface_hub never deletes it.
 */
#ifndef CORE_LOCK_H
#define CORE_LOCK_H

#include <stdbool.h>

#include "cache.h"
#include "../util/strbuf.h"

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
 * set); without, returns 1 when someone else holds it. Returns 0 and the
 * open descriptor in *fd when acquired.
 */
int lock_acquire(struct cache *c, const char *folder, const char *etag,
		 bool wait, volatile const int *stop, int *fd,
		 struct strbuf *err);
/* Release a lock taken with lock_acquire. The file stays, as in filelock. */
void lock_release(int fd);
/*
 * Probe the lock file name under dirfd without creating it and without
 * keeping it: open without O_CREAT, try flock(LOCK_EX|LOCK_NB), unlock.
 */
enum lock_probe lock_probe_at(int dirfd, const char *name);

#endif
