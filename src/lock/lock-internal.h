/*
 * What the files of the lock subsystem share with each other and nobody
 * else: flock.c takes and unlinks, grace.c parks what was unlinked,
 * escort.c sees parked files' waiters through, sweep.c drives all three.
 * Layer: lock/ (may use cache/, util/).
 */
#ifndef LOCK_INTERNAL_H
#define LOCK_INTERNAL_H

#include <stdbool.h>
#include <sys/stat.h>

#include "lock/lock.h"

/* Sets larger than this are not checked against /proc/locks (quadratic). */
#define LOCK_PROC_LOCKS_MAX_SET 1024

/* lock_take_at, also giving the taken file's stat. */
enum lock_probe lock_take_at_stat(int dfd, const char *name, int *fd_out,
				  struct stat *st);
/*
 * lock_unlink_held for a lock lock_take_at_stat has just taken and
 * checked (same inode as the name, still linked): no second look.
 */
int lock_unlink_taken(int dfd, const char *name, int fd, const struct stat *st,
		      struct lock_grace *g);
/* Hold fd (unlinked from dirfd/name) until g's grace period is over. */
void lock_park(struct lock_grace *g, int fd, int dirfd, const char *name,
	       const struct stat *st);
/*
 * True when no other process has the file dev/ino open, holds or awaits
 * its flock (Linux); false where that cannot be known.
 */
bool lock_nobody_else(dev_t dev, ino_t ino);
/* The grace period is over: let blocked waiters of parked files through. */
void lock_escort_waiters(struct lock_grace *g);

#endif
