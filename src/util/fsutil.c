/* openat-based file helpers. */
/*
 * Not POSIX, asked for by name so that the strict build (make
 * portability) catches anything else: d_type (DT_*) and, on Linux,
 * syscall() for getdents64.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "util/fsutil.h"
#include "util/strlist.h"
#include "util/xalloc.h"
#include "util/banned.h"

int fs_opendir_at(int at, const char *name)
{
	return openat(at, name,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int fs_opendir_follow_at(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int fs_open_path_at(int at, const char *relpath, int flags)
{
	char *copy = xstrdup(relpath);
	char *p = copy, *slash;
	int fd = at, next;

	while (*p == '/')
		p++;
	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		if (!*p || !strcmp(p, "..")) {
			errno = EINVAL;
			goto fail;
		}
		next = fs_opendir_at(fd, p);
		if (fd != at)
			close(fd);
		fd = next;
		if (fd < 0) {
			free(copy);
			return -1;
		}
		p = slash + 1;
	}
	if (!*p || !strcmp(p, "..")) {
		errno = EINVAL;
		goto fail;
	}
	next = openat(fd, p, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd != at) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	free(copy);
	return next;
fail:
	if (fd != at)
		close(fd);
	free(copy);
	return -1;
}

int fs_read_fd(int fd, const char *what, size_t cap, struct strbuf *out,
	       struct strbuf *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return error_set(err, "cannot stat '%s': %s", what,
				 strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, "'%s' is not a regular file", what);
	if ((unsigned long long)st.st_size > cap)
		return error_set(err,
				 "'%s' is too large (%lld bytes, limit %zu)",
				 what, (long long)st.st_size, cap);
	if (strbuf_read_fd(out, fd, cap) < 0)
		return error_set(err, "cannot read '%s': %s", what,
				 strerror(errno));
	return 0;
}

int fs_read_sized(int fd, const char *what, uint64_t size, size_t cap,
		  struct strbuf *out, struct strbuf *err)
{
	size_t want = (size_t)size, start = out->len;

	if (size > cap)
		return error_set(err,
				 "'%s' is too large (%llu bytes, limit %zu)",
				 what, (unsigned long long)size, cap);
	strbuf_grow(out, want);
	while (out->len - start < want) {
		ssize_t n = read(fd, out->buf + out->len,
				 want - (out->len - start));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_setlen(out, start);
			return error_set(err, "cannot read '%s': %s", what,
					 strerror(errno));
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	out->buf[out->len] = '\0';
	return 0;
}

int fs_read_file_at(int at, const char *relpath, bool follow, size_t cap,
		    struct strbuf *out, struct strbuf *err)
{
	int fd, ret, flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;

	/* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
	if (follow)
		fd = openat(at, relpath, flags);
	else
		fd = fs_open_path_at(at, relpath, flags);
	if (fd < 0) {
		if (errno == ELOOP)
			return error_set(err, "'%s' is a symbolic link",
					 relpath);
		return error_set(err, "cannot open '%s': %s", relpath,
				 strerror(errno));
	}
	ret = fs_read_fd(fd, relpath, cap, out, err);
	close(fd);
	return ret;
}

uint32_t fs_random32(void)
{
	uint32_t v = 0;

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
	defined(__NetBSD__)
	v = arc4random();
#else
	{
		static int urandom = -1;
		ssize_t n = -1;

#if defined(__linux__) && defined(SYS_getrandom)
		n = syscall(SYS_getrandom, &v, sizeof(v), 0);
#endif
		if (n != (ssize_t)sizeof(v)) {
			/* Old kernels: /dev/urandom, opened once. */
			if (urandom < 0)
				urandom = open("/dev/urandom",
					       O_RDONLY | O_CLOEXEC);
			if (urandom < 0 || read(urandom, &v, sizeof(v)) !=
						   (ssize_t)sizeof(v)) {
				struct timespec ts;

				/* Last resort, still not a fixed sequence;
				 * O_EXCL keeps a guessed name harmless. */
				clock_gettime(CLOCK_REALTIME, &ts);
				v = (uint32_t)ts.tv_nsec ^
				    (uint32_t)getpid() << 16 ^
				    (uint32_t)ts.tv_sec;
			}
		}
	}
#endif
	return v;
}

int fs_write_atomic_at(int at, const char *name, const void *data, size_t len,
		       mode_t mode, struct strbuf *err)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *p = data;
	int fd = -1;

	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		strbuf_setf(&tmp, "%s.%08lx.tmp", name,
			    (unsigned long)fs_random32());
		fd = openat(at, tmp.buf,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				    O_CLOEXEC,
			    mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		int e = errno;

		error_set(err, "cannot create '%s': %s", tmp.buf, strerror(e));
		if (e == EACCES || e == EPERM)
			fs_add_eacces_hint(err, at, ".", "its folder");
		strbuf_release(&tmp);
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 && errno != EINVAL)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(at, tmp.buf, at, name) < 0)
		goto fail;
	strbuf_release(&tmp);
	return 0;
fail:
	error_set(err, "cannot write '%s': %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlinkat(at, tmp.buf, 0);
	strbuf_release(&tmp);
	return -1;
}

int fs_mkdirs_at(int at, const char *relpath, mode_t mode, struct strbuf *err)
{
	char *copy = xstrdup(relpath);
	char *p = copy;
	int fd = at, e;

	for (;;) {
		char *slash = strchr(p, '/');
		int next;

		if (slash)
			*slash = '\0';
		if (*p && strcmp(p, ".")) {
			if (!strcmp(p, "..")) {
				errno = EINVAL;
				goto fail;
			}
			bool made = mkdirat(fd, p, mode & 0777) == 0;

			if (!made && errno != EEXIST)
				goto fail_in;
			next = fs_opendir_at(fd, p);
			if (next < 0)
				goto fail;
			/* mkdir ignores setgid: a shared folder gets it (and
			 * its exact mode, whatever the umask) here. */
			if (made && (mode & S_ISGID) &&
			    fchmod(next, mode) < 0) {
				/* a file system without modes */
			}
			if (fd != at)
				close(fd);
			fd = next;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	if (fd != at)
		close(fd);
	free(copy);
	return 0;
fail:
	e = errno;
	error_set(err, "cannot create directory '%s': %s", relpath,
		  strerror(e));
	goto out;
fail_in:
	/* Name the folder we could not write in, its owner and mode. */
	e = errno;
	error_set(err, "cannot create directory '%s': %s", relpath,
		  strerror(e));
	if (e == EACCES || e == EPERM)
		fs_add_eacces_hint(err, fd, ".", "its folder");
out:
	if (fd != at)
		close(fd);
	free(copy);
	errno = e;
	return -1;
}

/* Deeper than any real cache; a hostile tree must not exhaust the stack. */
#define FS_MAX_DEPTH 256

static int remove_tree(int at, const char *name, const char *display,
		       struct strbuf *err, int depth);

/*
 * Every name of directory fd first, then the removals: unlinking while
 * reading skips entries on macOS and FreeBSD. A listing cut short by a read
 * error is an error, not an empty rest.
 */
static int remove_contents(int fd, const char *display, struct strbuf *err,
			   int depth)
{
	struct strlist names = STRLIST_INIT;
	const struct fs_dirent *de;
	struct fs_dir d;
	int ret = 0, dfd;

	if (depth >= FS_MAX_DEPTH)
		return error_set(err,
				 "'%s' is nested too deeply (over %d levels)",
				 display, FS_MAX_DEPTH);
	dfd = dup(fd);
	if (dfd < 0 || fs_dir_open(&d, dfd, true) < 0) {
		if (dfd >= 0)
			close(dfd);
		return error_set(err, "cannot read directory '%s': %s", display,
				 strerror(errno));
	}
	while ((de = fs_dir_next(&d)))
		strlist_push(&names, de->name);
	if (fs_dir_error(&d)) {
		ret = error_set(err, "cannot read directory '%s': %s", display,
				strerror(fs_dir_error(&d)));
		errno = fs_dir_error(&d);
	}
	fs_dir_close(&d);
	for (size_t i = 0; !ret && i < names.nr; i++) {
		char *sub = xasprintf("%s/%s", display, names.items[i]);

		ret = remove_tree(fd, names.items[i], sub, err, depth + 1);
		free(sub);
	}
	strlist_clear(&names);
	return ret;
}

static int remove_tree(int at, const char *name, const char *display,
		       struct strbuf *err, int depth)
{
	struct stat st;
	int fd, ret;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, "cannot stat '%s': %s", display,
				 strerror(errno));
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
			return error_set(err, "cannot remove '%s': %s", display,
					 strerror(errno));
		return 0;
	}
	fd = fs_opendir_at(at, name);
	if (fd < 0)
		return error_set(err, "cannot open directory '%s': %s", display,
				 strerror(errno));
	ret = remove_contents(fd, display, err, depth);
	close(fd);
	if (ret < 0)
		return ret;
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_set(err, "cannot remove directory '%s': %s",
				 display, strerror(errno));
	return 0;
}

int fs_remove_tree_at(int at, const char *name, const char *display,
		      struct strbuf *err)
{
	return remove_tree(at, name, display, err, 0);
}

int fs_tree_size_at(int at, const char *name, unsigned long long *bytes)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISREG(st.st_mode)) {
		*bytes += (unsigned long long)st.st_size;
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = fs_opendir_at(at, name);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fs_tree_size_at(dirfd(d), de->d_name, bytes);
	closedir(d);
	return 0;
}

unsigned long fs_raise_nofile(unsigned long cap)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	want = rl.rlim_max;
	if (want == RLIM_INFINITY || want > (rlim_t)cap)
		want = (rlim_t)cap;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit raised = rl;

		raised.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl.rlim_cur = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)cap)
		return cap;
	return (unsigned long)rl.rlim_cur;
}

bool fs_is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

#if defined(__linux__) && defined(SYS_getdents64)
/* The kernel's record; glibc only declares getdents64 with _GNU_SOURCE. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define FS_DIR_BUF 32768

int fs_dir_open(struct fs_dir *d, int fd, bool own)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->own = own;
	d->buf = xmalloc(FS_DIR_BUF);
	return 0;
}

const struct fs_dirent *fs_dir_next(struct fs_dir *d)
{
	for (;;) {
		struct linux_dirent64 *e;

		if (d->pos >= d->len) {
			long n = syscall(SYS_getdents64, d->fd, d->buf,
					 FS_DIR_BUF);
			if (n < 0)
				d->error = errno ? errno : EIO;
			if (n <= 0)
				return NULL;
			d->len = (size_t)n;
			d->pos = 0;
		}
		e = (struct linux_dirent64 *)(d->buf + d->pos);
		d->pos += e->d_reclen;
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		d->ent.name = e->d_name;
		d->ent.type = e->d_type;
		return &d->ent;
	}
}

void fs_dir_close(struct fs_dir *d)
{
	free(d->buf);
	if (d->own && d->fd >= 0)
		close(d->fd);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}
#else
int fs_dir_open(struct fs_dir *d, int fd, bool own)
{
	int dfd = own ? fd : dup(fd);
	DIR *dir;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->own = own;
	if (dfd < 0)
		return -1;
	dir = fdopendir(dfd);
	if (!dir) {
		int e = errno;
		close(dfd);
		errno = e;
		return -1;
	}
	/* A dup shares the offset of the caller's descriptor. */
	rewinddir(dir);
	d->dir = dir;
	return 0;
}

const struct fs_dirent *fs_dir_next(struct fs_dir *d)
{
	struct dirent *de;

	for (;;) {
		errno = 0;
		de = readdir(d->dir);
		if (!de) {
			if (errno)
				d->error = errno;
			break;
		}
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] ||
		     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		d->ent.name = de->d_name;
#ifdef DT_UNKNOWN
		d->ent.type = de->d_type;
#else
		d->ent.type = 0;
#endif
		return &d->ent;
	}
	return NULL;
}

void fs_dir_close(struct fs_dir *d)
{
	if (d->dir)
		closedir(d->dir); /* closes the dup or the owned fd */
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}
#endif

char *fs_user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		return xstrdup(pw->pw_name);
	return xasprintf("%lu", (unsigned long)uid);
}

void fs_describe_owner(int at, const char *name, struct strbuf *out)
{
	struct stat st;
	char *who;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	who = fs_user_name(st.st_uid);
	strbuf_addf(out, "owner %s, mode %04o", who,
		    (unsigned)(st.st_mode & 07777));
	free(who);
}

void fs_add_eacces_hint(struct strbuf *err, int at, const char *name,
			const char *display)
{
	struct stat st;
	char *who;
	int e = errno;

	if (!err || fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		errno = e;
		return;
	}
	who = fs_user_name(st.st_uid);
	strbuf_addstr(err, " (");
	if (display)
		strbuf_addf(err, "%s: ", display);
	strbuf_addf(err,
		    "owner %s, mode %04o; fix: run 'mlxk health --cache "
		    "--fix-permissions' as %s or root)",
		    who, (unsigned)(st.st_mode & 07777), who);
	free(who);
	errno = e;
}
