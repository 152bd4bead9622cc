/* Sweeping lock folders: the safe deletion recipe over many files. */
#include <dirent.h>
#include <stdio.h>
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

static const char *const fate_names[LOCK_FATE_COUNT] = {
	[LOCK_REMOVED] = "removed",
	[LOCK_KEPT_HELD] = "held",
	[LOCK_KEPT_RECENT] = "recent",
	[LOCK_KEPT_DOWNLOAD] = "download",
	[LOCK_KEPT_SOFT] = "soft_lock",
	[LOCK_KEPT_NO_PERM] = "no_permission",
	[LOCK_KEPT_NOT_FILE] = "not_file",
	[LOCK_KEPT_NO_FLOCK] = "no_flock",
	[LOCK_KEPT_CHANGED] = "changed",
	[LOCK_KEPT_ERROR] = "error",
	[LOCK_GONE] = "gone",
};

const char *lock_fate_name(enum lock_fate f)
{
	if ((unsigned)f >= LOCK_FATE_COUNT)
		return "unknown";
	return fate_names[f];
}

bool lock_soft_owner_dead(const char *content, const char *hostname)
{
	const char *nl = strchr(content, '\n'), *host, *end;
	char *pend;
	long pid;

	if (!nl)
		return false;
	errno = 0;
	pid = strtol(content, &pend, 10);
	if (errno || pend != nl || pid <= 0 || pid > 0x7fffffffL)
		return false;
	host = nl + 1;
	end = strchr(host, '\n');
	if (!end)
		end = host + strlen(host);
	if ((size_t)(end - host) != strlen(hostname) ||
	    strncmp(host, hostname, (size_t)(end - host)))
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void lock_sweep_init(struct lock_sweep *s, const struct lock_sweep_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->opts = *o;
	if (!o->dry_run)
		lock_grace_init(&s->grace, o->grace_ms);
	s->grace.stop = o->stop;
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) < 0)
		s->hostname[0] = '\0';
	s->hostname[sizeof(s->hostname) - 1] = '\0';
	s->now = time(NULL);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Etags with a download in progress: blobs/<etag>[.<8hex>].incomplete. */
static void collect_incomplete(int blobs_fd, struct strlist *out)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if (blobs_fd < 0)
		return;
	fd = dup(blobs_fd);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (names_is_incomplete(de->d_name))
			strlist_push_nodup(out, names_blob_key(de->d_name));
	}
	closedir(d);
	strlist_sort(out);
}

static bool has_download(const struct strlist *inc, const char *lockname)
{
	char *etag = names_blob_key(lockname);
	bool found = inc->nr && bsearch(&etag, inc->items, inc->nr,
					sizeof(*inc->items), cmp_strp);

	free(etag);
	return found;
}

static struct lock_sweep_item *new_item(struct lock_sweep *s,
					const char *display, const char *name)
{
	struct lock_sweep_item *it;

	ALLOC_GROW(s->items, s->nr + 1, s->alloc);
	it = &s->items[s->nr++];
	memset(it, 0, sizeof(*it));
	it->path = *display ? xasprintf("%s/%s", display, name) : xstrdup(name);
	return it;
}

/*
 * Use is mtime only: every filelock acquisition opens with O_TRUNC (or
 * truncates once locked), which moves mtime. A chmod, chown, copy or
 * restore moves ctime without any use, and a cron "chmod -R g+rwxs" would
 * keep every lock recent forever.
 */
static bool is_recent(const struct lock_sweep *s, const struct stat *st)
{
	if (s->opts.older_than <= 0)
		return false;
	return s->now - st->st_mtime < s->opts.older_than;
}

/* A SoftFileLock marker: remove it only if its owner is provably dead. */
static enum lock_fate sweep_soft(struct lock_sweep *s, int dfd,
				 const char *name, const struct stat *st,
				 struct lock_sweep_item *it)
{
	struct strbuf buf = STRBUF_INIT, err = STRBUF_INIT;
	struct stat a, b;
	bool dead;
	int fd = openat(dfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		it->err = errno;
		return errno == ENOENT	 ? LOCK_GONE
		       : errno == EACCES ? LOCK_KEPT_NO_PERM
					 : LOCK_KEPT_SOFT;
	}
	if (fstat(fd, &a) < 0 || a.st_dev != st->st_dev ||
	    a.st_ino != st->st_ino || fs_read_fd(fd, name, 512, &buf, &err)) {
		close(fd);
		strbuf_release(&buf);
		strbuf_release(&err);
		return LOCK_KEPT_SOFT;
	}
	close(fd);
	strbuf_release(&err);
	dead = lock_soft_owner_dead(buf.buf, s->hostname);
	strbuf_release(&buf);
	if (!dead)
		return LOCK_KEPT_SOFT;
	if (s->opts.dry_run)
		return LOCK_REMOVED;
	/* Still the same marker? A new owner would have made a new file. */
	if (fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
		return LOCK_GONE;
	if (b.st_dev != a.st_dev || b.st_ino != a.st_ino)
		return LOCK_KEPT_CHANGED;
	if (unlinkat(dfd, name, 0) < 0) {
		it->err = errno;
		if (errno == ENOENT)
			return LOCK_GONE;
		return (errno == EACCES || errno == EPERM) ? LOCK_KEPT_NO_PERM
							   : LOCK_KEPT_ERROR;
	}
	return LOCK_REMOVED;
}

static enum lock_fate sweep_one(struct lock_sweep *s, int dfd, const char *name,
				const struct strlist *inc,
				struct lock_sweep_item *it)
{
	struct stat st, again, taken;
	enum lock_probe p;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		it->err = errno;
		return errno == ENOENT ? LOCK_GONE : LOCK_KEPT_ERROR;
	}
	it->uid = st.st_uid;
	if (!S_ISREG(st.st_mode))
		return LOCK_KEPT_NOT_FILE;
	if (is_recent(s, &st))
		return LOCK_KEPT_RECENT;
	if (st.st_size > 0) {
		it->soft = true;
		return sweep_soft(s, dfd, name, &st, it);
	}
	if (has_download(inc, name))
		return LOCK_KEPT_DOWNLOAD;
	p = lock_take_at_stat(dfd, name, &fd, &taken);
	switch (p) {
	case LOCK_FREE:
		break;
	case LOCK_HELD:
		return LOCK_KEPT_HELD;
	case LOCK_MISSING:
		if (fstatat(dfd, name, &again, AT_SYMLINK_NOFOLLOW) < 0)
			return LOCK_GONE;
		return LOCK_KEPT_CHANGED;
	case LOCK_NOT_FILE:
		return LOCK_KEPT_NOT_FILE;
	case LOCK_NO_FLOCK:
		return LOCK_KEPT_NO_FLOCK;
	case LOCK_SOFT:
		return LOCK_KEPT_SOFT;
	case LOCK_UNREADABLE:
	default:
		it->err = errno;
		return errno == EACCES || errno == EPERM ? LOCK_KEPT_NO_PERM
							 : LOCK_KEPT_ERROR;
	}
	if (s->opts.dry_run) {
		flock(fd, LOCK_UN);
		close(fd);
		return LOCK_REMOVED;
	}
	if (lock_unlink_taken(dfd, name, fd, &taken, &s->grace) < 0) {
		it->err = errno;
		if (errno == ENOENT)
			return LOCK_GONE;
		if (errno == ESTALE)
			return LOCK_KEPT_CHANGED;
		return errno == EACCES || errno == EPERM ? LOCK_KEPT_NO_PERM
							 : LOCK_KEPT_ERROR;
	}
	return LOCK_REMOVED;
}

static enum lock_fate sweep_record(struct lock_sweep *s, int dfd,
				   const char *display, const char *name,
				   const struct strlist *inc)
{
	struct lock_sweep_item tmp, *it;

	if (!s->opts.forget_removed && !s->opts.on_item) {
		it = new_item(s, display, name);
		it->fate = sweep_one(s, dfd, name, inc, it);
		s->count[it->fate]++;
		return it->fate;
	}
	/* Decide first; keep an item only for what stays. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.fate = sweep_one(s, dfd, name, inc, &tmp);
	s->count[tmp.fate]++;
	tmp.path = *display ? xasprintf("%s/%s", display, name) : xstrdup(name);
	if (s->opts.on_item)
		s->opts.on_item(&tmp, s->opts.on_item_arg);
	if (s->opts.forget_removed &&
	    (tmp.fate == LOCK_REMOVED || tmp.fate == LOCK_GONE)) {
		free(tmp.path);
		return tmp.fate;
	}
	ALLOC_GROW(s->items, s->nr + 1, s->alloc);
	s->items[s->nr++] = tmp;
	return tmp.fate;
}

enum lock_fate lock_sweep_file(struct lock_sweep *s, int dfd,
			       const char *display, const char *name,
			       int blobs_fd)
{
	struct strlist inc = STRLIST_INIT;
	enum lock_fate f;

	collect_incomplete(blobs_fd, &inc);
	if (!names_is_lock(name)) {
		struct lock_sweep_item *it = new_item(s, display, name);

		it->fate = LOCK_KEPT_NOT_FILE;
		s->count[it->fate]++;
		strlist_clear(&inc);
		return it->fate;
	}
	f = sweep_record(s, dfd, display, name, &inc);
	strlist_clear(&inc);
	return f;
}

int lock_sweep_dir(struct lock_sweep *s, int dfd, const char *display,
		   int blobs_fd, struct strbuf *err)
{
	struct strlist inc = STRLIST_INIT, names = STRLIST_INIT;
	struct dirent *de;
	DIR *d;
	int fd = dup(dfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return error_set(err, "cannot read directory '%s': %s", display,
				 strerror(errno));
	}
	rewinddir(d);
	/* Names first: we unlink while reading otherwise. */
	while ((de = readdir(d)))
		if (names_is_lock(de->d_name))
			strlist_push(&names, de->d_name);
	closedir(d);
	strlist_sort(&names);
	collect_incomplete(blobs_fd, &inc);
	s->now = time(NULL);
	for (size_t i = 0; i < names.nr; i++) {
		if (stop_requested(s->opts.stop))
			break;
		sweep_record(s, dfd, display, names.items[i], &inc);
	}
	strlist_clear(&names);
	strlist_clear(&inc);
	return 0;
}

int lock_sweep_stream(struct lock_sweep *s, int dfd, const char *display,
		      size_t *seen, struct strbuf *err)
{
	struct strlist none = STRLIST_INIT;
	const struct fs_dirent *e;
	struct fs_dir d;
	size_t n = 0;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fs_dir_open(&d, fd, true) < 0) {
		if (fd >= 0)
			close(fd);
		return error_set(err, "cannot read directory '%s': %s",
				 *display ? display : ".", strerror(errno));
	}
	s->now = time(NULL);
	while ((e = fs_dir_next(&d))) {
		if (!names_is_lock(e->name))
			continue;
		n++;
		if (stop_requested(s->opts.stop))
			break;
		sweep_record(s, dfd, display, e->name, &none);
	}
	fs_dir_close(&d);
	if (seen)
		*seen = n;
	return 0;
}

void lock_sweep_finish(struct lock_sweep *s)
{
	if (!s->opts.dry_run)
		lock_grace_finish(&s->grace);
}

void lock_sweep_release(struct lock_sweep *s)
{
	if (s->grace.parked)
		lock_grace_release(&s->grace);
	for (size_t i = 0; i < s->nr; i++)
		free(s->items[i].path);
	free(s->items);
	memset(s, 0, sizeof(*s));
}
