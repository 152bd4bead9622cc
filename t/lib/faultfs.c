/*
 * Test-only fault injection, loaded with LD_PRELOAD (Linux, glibc): a
 * directory listing that fails with EIO part way, as a failing disk or a
 * network file system does. Never built into mlxk; the Makefile builds it
 * for the tests only (after libfiu's approach).
 *
 *   MLXK_TEST_FAULT_READDIR=/abs/dir   the directory whose listing fails
 *   MLXK_TEST_FAULT_READDIR_AFTER=N     entries returned first (default 0,
 *                                      "." and ".." not counted)
 *
 * mlxk lists directories with getdents64 through syscall(2) on Linux and
 * with readdir(3) elsewhere: both are intercepted. A listing restarts
 * from entry 0 whenever the directory's offset is 0 again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct kdirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

#define MAX_FD 4096
static long given[MAX_FD]; /* entries handed out per descriptor */

static int is_dot(const char *n)
{
	return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]));
}

/* The entries still allowed for fd, or -1 when fd is not the target. */
static long budget(int fd)
{
	const char *want = getenv("MLXK_TEST_FAULT_READDIR");
	const char *after = getenv("MLXK_TEST_FAULT_READDIR_AFTER");
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (!want || !*want || fd < 0 || fd >= MAX_FD)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return -1;
	path[n] = '\0';
	if (strcmp(path, want))
		return -1;
	if (lseek(fd, 0, SEEK_CUR) == 0)
		given[fd] = 0;
	return (after ? atol(after) : 0) - given[fd];
}

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6], n, left;
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (nr != SYS_getdents64 || (left = budget((int)a[0])) < 0)
		return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (left == 0) {
		errno = EIO;
		return -1;
	}
	n = real(nr, a[0], a[1], a[2]);
	if (n > 0) {
		/* Cut the batch after the allowed entries. */
		char *buf = (char *)a[1];
		long pos = 0;

		while (pos < n) {
			struct kdirent *e = (struct kdirent *)(buf + pos);

			if (!is_dot(e->name)) {
				if (left == 0)
					break;
				left--;
				given[a[0]]++;
			}
			pos += e->reclen;
		}
		n = pos;
	}
	return n;
}

static struct dirent *fail_or_pass(DIR *d, struct dirent *(*next)(DIR *))
{
	int fd = dirfd(d);
	long left = budget(fd);
	struct dirent *de;

	if (left < 0)
		return next(d);
	if (left == 0) {
		errno = EIO;
		return NULL;
	}
	de = next(d);
	if (de && !is_dot(de->d_name))
		given[fd]++;
	return de;
}

struct dirent *readdir(DIR *d)
{
	static struct dirent *(*real)(DIR *);

	if (!real)
		real = (struct dirent * (*)(DIR *)) dlsym(RTLD_NEXT, "readdir");
	return fail_or_pass(d, real);
}
