/* Taking, probing and unlinking one lock file: filelock-compatible flock. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock/lock.h"
#include "lock/lock-internal.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int open_lock_dir(struct cache *c, const char *folder,
			 struct strbuf *err)
{
	char *rel = xasprintf(".locks/%s", folder);
	int fd = -1;

	if (fs_mkdirs_at(c->fd, rel, CACHE_DIR_MODE(c), err) == 0) {
		fd = fs_open_path_at(c->fd, rel, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			error_set(err, "cannot open '%s': %s", rel,
				  strerror(errno));
	}
	free(rel);
	return fd;
}

enum lock_acquire_result lock_acquire(struct cache *c, const char *folder,
				      const char *etag, bool wait,
				      volatile const int *stop, int *fd_out,
				      struct strbuf *err)
{
	char *name = names_lock_of(etag);
	int dfd = open_lock_dir(c, folder, err);
	enum lock_acquire_result ret = LOCK_ACQUIRE_FAILED;

	*fd_out = -1;
	if (dfd < 0)
		goto out;
	for (;;) {
		struct stat a, b;
		int fd =
			openat(dfd, name,
			       O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0664);

		int e = errno;

		if (fd < 0 && errno == EACCES) {
			fd = openat(dfd, name,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			/* Missing and not creatable: that is EACCES, not
			 * "No such file". */
			if (fd < 0 && errno == ENOENT)
				errno = e;
		}
		if (fd < 0) {
			e = errno;
			error_set(err, "cannot open lock '.locks/%s/%s': %s",
				  folder, name, strerror(e));
			if (e == EACCES || e == EPERM)
				fs_add_eacces_hint(err, dfd, ".", "its folder");
			goto out;
		}
		/*
		 * A hard link planted in a shared cache may lead to a file
		 * outside it: never truncate or chmod one (below).
		 */
		if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) &&
		    a.st_nlink > 1) {
			error_set(err,
				  "refusing lock '.locks/%s/%s': it has %lu "
				  "hard links (one may lead outside the "
				  "cache)",
				  folder, name, (unsigned long)a.st_nlink);
			close(fd);
			goto out;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			e = errno;
			close(fd);
			if (e != EWOULDBLOCK && e != EAGAIN && e != EACCES) {
				error_set(err, "cannot lock '.locks/%s/%s': %s",
					  folder, name, strerror(e));
				goto out;
			}
			if (!wait) {
				ret = LOCK_ACQUIRE_BUSY;
				goto out;
			}
			if (stop_requested(stop)) {
				error_set(err, "interrupted");
				errno = EINTR;
				goto out;
			}
			/* Poll like filelock: close, sleep, reopen. */
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		/*
		 * Somebody may have deleted the file between our open and
		 * flock (a safe cleaner unlinks while holding): then our
		 * inode has no name and the lock protects nothing. Retry.
		 */
		if (fstat(fd, &a) < 0 || a.st_nlink == 0 ||
		    fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0 ||
		    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
			close(fd);
			continue;
		}
		if (a.st_uid == geteuid()) {
			/* filelock >= 3.30: once locked, truncate and chmod. */
			if (ftruncate(fd, 0) < 0) {
				/* read-only descriptor: harmless */
			}
			if (fchmod(fd, 0664) < 0) {
				/* not fatal: another user's umask */
			}
		}
		*fd_out = fd;
		ret = LOCK_ACQUIRED;
		break;
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(name);
	return ret;
}

void lock_release(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

bool lock_errno_no_flock(int e)
{
	if (e == ENOSYS || e == EOPNOTSUPP || e == ENOLCK)
		return true;
#ifdef ENOTSUP
	if (e == ENOTSUP)
		return true;
#endif
	return false;
}

enum lock_probe lock_probe_at(int dfd, const char *name)
{
	struct stat st;
	int fd;
	enum lock_probe res;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? LOCK_MISSING : LOCK_UNREADABLE;
	if (!S_ISREG(st.st_mode))
		return LOCK_NOT_FILE;
	if (st.st_size > 0)
		return LOCK_SOFT;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? LOCK_MISSING : LOCK_UNREADABLE;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		res = LOCK_FREE;
	} else if (errno == EWOULDBLOCK || errno == EAGAIN || errno == EACCES) {
		res = LOCK_HELD;
	} else if (lock_errno_no_flock(errno)) {
		res = LOCK_NO_FLOCK;
	} else {
		res = LOCK_UNREADABLE;
	}
	close(fd);
	return res;
}

enum lock_probe lock_take_at(int dfd, const char *name, int *fd_out)
{
	struct stat st;

	return lock_take_at_stat(dfd, name, fd_out, &st);
}

enum lock_probe lock_take_at_stat(int dfd, const char *name, int *fd_out,
				  struct stat *st)
{
	struct stat a, b;
	int fd;

	*fd_out = -1;
	fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = openat(dfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return LOCK_MISSING;
		if (errno == ELOOP || errno == EISDIR || errno == ENXIO)
			return LOCK_NOT_FILE;
		return LOCK_UNREADABLE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK || e == EAGAIN || e == EACCES)
			return LOCK_HELD;
		if (lock_errno_no_flock(e))
			return LOCK_NO_FLOCK;
		return LOCK_UNREADABLE;
	}
	if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode)) {
		close(fd);
		return LOCK_NOT_FILE;
	}
	/* Still the file at that name, and still named at all? */
	if (a.st_nlink < 1 || fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(fd);
		return LOCK_MISSING;
	}
	*fd_out = fd;
	*st = a;
	return LOCK_FREE;
}

int lock_unlink_held(int dfd, const char *name, int fd, struct lock_grace *g)
{
	struct stat a, b;
	int e;

	if (fstat(fd, &a) < 0) {
		e = errno;
		goto fail;
	}
	if (fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0) {
		e = errno;
		goto fail;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		e = ESTALE;
		goto fail;
	}
	/* Unlink while holding: never unlock first (the filelock #574 race). */
	if (unlinkat(dfd, name, 0) < 0) {
		e = errno;
		goto fail;
	}
	lock_park(g, fd, dfd, name, &a);
	return 0;
fail:
	close(fd);
	errno = e;
	return -1;
}

int lock_unlink_own(int dfd, const char *name, int fd, struct lock_grace *g)
{
	struct stat a, b;
	int e;

	if (fstat(fd, &a) < 0 ||
	    fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0) {
		e = errno;
		goto fail;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		e = ESTALE;
		goto fail;
	}
	if (unlinkat(dfd, name, 0) < 0) {
		e = errno;
		goto fail;
	}
	/*
	 * Unlinked while held: from now on an open by name makes a new file,
	 * so if nobody has this one open, nobody ever will.
	 */
	if (lock_nobody_else(a.st_dev, a.st_ino))
		close(fd);
	else
		lock_park(g, fd, dfd, name, &a);
	return 0;
fail:
	close(fd);
	errno = e;
	return -1;
}

int lock_unlink_taken(int dfd, const char *name, int fd, const struct stat *st,
		      struct lock_grace *g)
{
	int e;

	if (unlinkat(dfd, name, 0) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	lock_park(g, fd, dfd, name, st);
	return 0;
}
