/* flock-based blob locks, compatible with filelock's UnixFileLock. */
#include <dirent.h>
#include <stdio.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif
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
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int open_lock_dir(struct cache *c, const char *folder,
			 struct strbuf *err)
{
	char *rel = xasprintf(".locks/%s", folder);
	int fd = -1;

	if (fs_mkdirs_at(c->fd, rel, 0777, err) == 0) {
		fd = fs_open_path_at(c->fd, rel, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			error_set(err, "cannot open '%s': %s", rel,
				  strerror(errno));
	}
	free(rel);
	return fd;
}

int lock_acquire(struct cache *c, const char *folder, const char *etag,
		 bool wait, volatile const int *stop, int *fd_out,
		 struct strbuf *err)
{
	char *name = names_lock_of(etag);
	int dfd = open_lock_dir(c, folder, err), ret = -1;

	*fd_out = -1;
	if (dfd < 0)
		goto out;
	for (;;) {
		struct stat a, b;
		int fd =
			openat(dfd, name,
			       O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0664);

		if (fd < 0 && errno == EACCES)
			fd = openat(dfd, name,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			error_set(err, "cannot open lock '.locks/%s/%s': %s",
				  folder, name, strerror(errno));
			goto out;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(fd);
			if (e != EWOULDBLOCK && e != EAGAIN && e != EACCES) {
				error_set(err, "cannot lock '.locks/%s/%s': %s",
					  folder, name, strerror(e));
				goto out;
			}
			if (!wait) {
				ret = 1;
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
		ret = 0;
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
	} else if (errno == ENOSYS || errno == EOPNOTSUPP || errno == ENOLCK) {
		res = LOCK_NO_FLOCK;
	} else {
		res = LOCK_UNREADABLE;
	}
	close(fd);
	return res;
}

/* ---- grace periods ---------------------------------------------------- */

#define GRACE_DEFAULT_MS 2000
#define GRACE_MAX_SET 16384
#define FD_RESERVE 64
#define PROC_LOCKS_MAX_SET 1024

unsigned lock_grace_default_ms(void)
{
	const char *v = getenv("MLXK_LOCK_GRACE_MS");
	char *end;
	unsigned long ms;

	if (!v || !*v)
		return GRACE_DEFAULT_MS;
	errno = 0;
	ms = strtoul(v, &end, 10);
	if (errno || *end || ms > 600000)
		return GRACE_DEFAULT_MS;
	return (unsigned)ms;
}

static void now_mono(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/* Sleep until the monotonic clock reaches t; signals do not cut it short.
 * Only async-signal-safe calls: a forked child uses it too. */
static void sleep_until(const struct timespec *t)
{
	for (;;) {
		struct timespec now, d;

		now_mono(&now);
		if (ts_cmp(&now, t) >= 0)
			return;
		d.tv_sec = t->tv_sec - now.tv_sec;
		d.tv_nsec = t->tv_nsec - now.tv_nsec;
		if (d.tv_nsec < 0) {
			d.tv_sec--;
			d.tv_nsec += 1000000000L;
		}
		nanosleep(&d, NULL);
	}
}

void lock_grace_init(struct lock_grace *g, unsigned grace_ms)
{
	struct rlimit rl;
	size_t cap = 256;

	memset(g, 0, sizeof(*g));
	g->grace_ms = grace_ms;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = rl.rlim_max;

		if (want == RLIM_INFINITY || want > GRACE_MAX_SET + FD_RESERVE)
			want = GRACE_MAX_SET + FD_RESERVE;
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
			struct rlimit raised = rl;

			raised.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
				rl.rlim_cur = want;
		}
		if (rl.rlim_cur == RLIM_INFINITY ||
		    rl.rlim_cur > GRACE_MAX_SET + FD_RESERVE)
			cap = GRACE_MAX_SET;
		else if (rl.rlim_cur > FD_RESERVE + 16)
			cap = (size_t)rl.rlim_cur - FD_RESERVE;
		else
			cap = 16;
	}
	g->cap = cap;
	g->parked = xcalloc(cap, sizeof(*g->parked));
}

#ifdef __linux__
/*
 * Escorting blocked waiters (see lock.h). Files are identified by device
 * and inode, as /proc/locks and stat() of /proc/<pid>/fd/<n> give them.
 */
struct file_id {
	unsigned long maj, min, ino;
};

static int cmp_id(const void *a, const void *b)
{
	const struct file_id *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->maj != y->maj)
		return x->maj < y->maj ? -1 : 1;
	if (x->min != y->min)
		return x->min < y->min ? -1 : 1;
	return 0;
}

static struct file_id id_of(dev_t dev, ino_t ino)
{
	struct file_id id;

	id.maj = (unsigned long)major(dev);
	id.min = (unsigned long)minor(dev);
	id.ino = (unsigned long)ino;
	return id;
}

struct id_set {
	struct file_id *v;
	size_t nr, alloc;
};

static void id_push(struct id_set *s, struct file_id id)
{
	ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr++] = id;
}

static bool id_in(const struct id_set *s, const struct file_id *id)
{
	return s->nr && bsearch(id, s->v, s->nr, sizeof(*s->v), cmp_id);
}

/*
 * Files of want with a flock entry in /proc/locks: with waiters_only,
 * those with a blocked waiter ("->"), otherwise any holder or waiter.
 */
static void from_proc_locks(const struct id_set *want, bool waiters_only,
			    struct id_set *out)
{
	struct strbuf raw = STRBUF_INIT;
	char *line, *save = NULL;
	int fd = open("/proc/locks", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	strbuf_read_fd(&raw, fd, 64 << 20);
	close(fd);
	for (line = strtok_r(raw.buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "N: [-> ]FLOCK  ADVISORY  WRITE <pid> <maj>:<min>:<ino> .."
		 */
		char *p = strstr(line, "FLOCK"), *end;
		struct file_id id;

		if (!p || (waiters_only && !strstr(line, "-> FLOCK")))
			continue;
		p = strchr(p, ':');
		if (!p)
			continue;
		while (p > line && p[-1] != ' ')
			p--;
		id.maj = strtoul(p, &end, 16);
		if (*end != ':')
			continue;
		id.min = strtoul(end + 1, &end, 16);
		if (*end != ':')
			continue;
		id.ino = strtoul(end + 1, NULL, 10);
		if (id_in(want, &id))
			id_push(out, id);
	}
	strbuf_release(&raw);
}

/* Files of want that a process other than us has open (/proc/<pid>/fd of
 * every process we may inspect). */
static void open_elsewhere(const struct lock_grace *g,
			   const struct id_set *want, struct id_set *out)
{
	pid_t self = getpid();
	struct dirent *de;
	DIR *proc;

	if (!want->nr || !(proc = opendir("/proc")))
		return;
	while ((de = readdir(proc))) {
		struct dirent *fe;
		char path[300];
		bool ours = false;
		DIR *fds;
		long pid;
		int fdd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		/*
		 * Not us, nor the helpers holding other sets (thousands of
		 * descriptors each, none of them on this set's files), nor,
		 * in a helper, the parent that handed the set over.
		 */
		pid = strtol(de->d_name, NULL, 10);
		if (pid == (long)self ||
		    (g->is_helper && pid == (long)getppid()))
			continue;
		for (size_t i = 0; i < g->nr_children && !ours; i++)
			ours = pid == (long)g->children[i];
		if (ours)
			continue;
		snprintf(path, sizeof(path), "%s/fd", de->d_name);
		fdd = openat(dirfd(proc), path,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fdd < 0)
			continue;
		fds = fdopendir(fdd);
		if (!fds) {
			close(fdd);
			continue;
		}
		while ((fe = readdir(fds))) {
			struct stat st;
			struct file_id id;

			if (fe->d_name[0] == '.' ||
			    fstatat(fdd, fe->d_name, &st, 0) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			id = id_of(st.st_dev, st.st_ino);
			if (id_in(want, &id))
				id_push(out, id);
		}
		closedir(fds);
	}
	closedir(proc);
}

/* Somebody other than us holds, awaits, or has open this file. */
static bool file_busy(const struct lock_grace *g, struct file_id id)
{
	struct id_set want = { &id, 1, 1 }, hits = { 0 };
	bool busy;

	open_elsewhere(g, &want, &hits);
	if (!hits.nr && g->use_proc_locks)
		from_proc_locks(&want, false, &hits);
	busy = hits.nr > 0;
	free(hits.v);
	return busy;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Somebody is blocked in flock() on (or has opened) the unlinked inode of
 * pk. Hold the file now at its name, so that no newcomer enters, hand the
 * old inode to its waiters, and let go of the new file once they are all
 * done.
 */
static void escort(struct lock_grace *g, struct lock_parked *pk)
{
	int dfd = g->dirs[pk->dir], fd = -1;

	for (;;) {
		struct stat a, b;

		fd = openat(dfd, pk->name,
			    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0664);
		if (fd < 0 && errno == EACCES)
			fd = openat(dfd, pk->name,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			break; /* cannot: the waiters go ahead unescorted */
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			fd = -1;
			if (errno != EWOULDBLOCK && errno != EAGAIN &&
			    errno != EACCES)
				break;
			nap_ms(20); /* somebody holds the new file: wait */
			continue;
		}
		if (fstat(fd, &a) == 0 && a.st_nlink > 0 &&
		    fstatat(dfd, pk->name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			if (a.st_uid == geteuid() && fchmod(fd, 0664) < 0) {
				/* not fatal */
			}
			break;
		}
		close(fd);
		fd = -1;
	}
	close(pk->fd);
	pk->fd = -1;
	g->escorts++;
	/*
	 * Done when nobody has held, awaited or opened the old inode for a
	 * few polls in a row (a woken waiter is briefly in none of
	 * /proc/locks' lists, but keeps its descriptor).
	 */
	for (int quiet = 0; quiet < 3;) {
		nap_ms(10);
		quiet = file_busy(g, id_of(pk->dev, pk->ino)) ? 0 : quiet + 1;
	}
	if (fd >= 0)
		close(fd);
}

static void escort_waiters(struct lock_grace *g)
{
	struct id_set want = { 0 }, hits = { 0 };

	for (size_t i = 0; i < g->nr; i++)
		if (g->parked[i].fd >= 0 && g->parked[i].dir >= 0)
			id_push(&want,
				id_of(g->parked[i].dev, g->parked[i].ino));
	if (want.nr > 1)
		qsort(want.v, want.nr, sizeof(*want.v), cmp_id);
	/*
	 * /proc/locks also shows waiters of other users, whose descriptors
	 * we may not see; but each read(2) of it walks the whole list from
	 * the start, so it is quadratic in the locks of the system: only
	 * for small sets (rm, small sweeps).
	 */
	g->use_proc_locks =
		g->nr <= PROC_LOCKS_MAX_SET && !g->nr_children && !g->is_helper;
	if (g->use_proc_locks)
		from_proc_locks(&want, true, &hits);
	open_elsewhere(g, &want, &hits);
	if (hits.nr > 1)
		qsort(hits.v, hits.nr, sizeof(*hits.v), cmp_id);
	for (size_t i = 0; hits.nr && i < g->nr; i++) {
		struct lock_parked *pk = &g->parked[i];
		struct file_id id = id_of(pk->dev, pk->ino);

		if (pk->fd >= 0 && pk->dir >= 0 && id_in(&hits, &id))
			escort(g, pk);
	}
	free(want.v);
	free(hits.v);
}
#else
static void escort_waiters(struct lock_grace *g)
{
	(void)g;
}
#endif

/* Close this process's copies of the parked set and empty it. */
static void drop_parked(struct lock_grace *g)
{
	for (size_t i = 0; i < g->nr; i++) {
		if (g->parked[i].fd >= 0)
			close(g->parked[i].fd);
		free(g->parked[i].name);
	}
	for (size_t i = 0; i < g->nr_dirs; i++)
		close(g->dirs[i]);
	g->nr = g->nr_dirs = 0;
}

/* The grace period is over: see to blocked waiters, then let go. */
static void close_parked(struct lock_grace *g)
{
	escort_waiters(g);
	drop_parked(g);
}

/*
 * In a child that holds a set: close every other descriptor inherited
 * from the parent (such as a lock it has just taken), so that the child
 * keeps nothing open but its set.
 */
static void close_others(struct lock_grace *g)
{
	struct rlimit rl;
	int max = 1024;
	char *keep;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur > 1 << 20 ? 1 << 20 : (int)rl.rlim_cur;
	keep = xcalloc((size_t)max, 1);
	for (size_t i = 0; i < g->nr; i++)
		if (g->parked[i].fd >= 0 && g->parked[i].fd < max)
			keep[g->parked[i].fd] = 1;
	for (size_t i = 0; i < g->nr_dirs; i++)
		if (g->dirs[i] < max)
			keep[g->dirs[i]] = 1;
	for (int fd = 3; fd < max; fd++)
		if (!keep[fd])
			close(fd);
	free(keep);
}

/*
 * The set is full: let a child keep holding it until its grace period is
 * over, so that we can go on without waiting. The child shares the open
 * files (and so the flocks) with us; once we close our copies, it is the
 * only holder. It ignores the terminal's ^C, which must not release the
 * locks early.
 */
static void hand_over(struct lock_grace *g)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		close_others(g);
		g->is_helper = true;
		sleep_until(&g->until);
		escort_waiters(g);
		_exit(0);
	}
	if (pid < 0) {
		sleep_until(&g->until);
		close_parked(g);
		return;
	}
	ALLOC_GROW(g->children, g->nr_children + 1, g->alloc_children);
	g->children[g->nr_children++] = pid;
	/* Our copies: closing them leaves the child the only holder. */
	drop_parked(g);
}

static int park_dir(struct lock_grace *g, int dirfd)
{
	struct stat a;
	int fd;

	if (dirfd < 0 || fstat(dirfd, &a) < 0)
		return -1;
	if (g->nr_dirs && a.st_dev == g->last_dir_dev &&
	    a.st_ino == g->last_dir_ino)
		return (int)g->nr_dirs - 1;
	fd = dup(dirfd);
	if (fd < 0)
		return -1;
	ALLOC_GROW(g->dirs, g->nr_dirs + 1, g->alloc_dirs);
	g->dirs[g->nr_dirs] = fd;
	g->last_dir_dev = a.st_dev;
	g->last_dir_ino = a.st_ino;
	return (int)g->nr_dirs++;
}

static void park(struct lock_grace *g, int fd, int dirfd, const char *name,
		 const struct stat *st);

void lock_grace_add_at(struct lock_grace *g, int fd, int dirfd,
		       const char *name)
{
	struct stat st;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	park(g, fd, dirfd, name, &st);
}

static void park(struct lock_grace *g, int fd, int dirfd, const char *name,
		 const struct stat *st)
{
	struct lock_parked *pk;
	struct timespec t;

	if (!g->parked) {
		/* not initialised: behave safely all the same */
		lock_grace_init(g, g->grace_ms ? g->grace_ms
					       : lock_grace_default_ms());
	}
	/* Two descriptors per file at most: the file and its folder. */
	if (g->nr + g->nr_dirs + 2 > g->cap)
		hand_over(g);
	pk = &g->parked[g->nr++];
	pk->fd = fd;
	pk->dev = st->st_dev;
	pk->ino = st->st_ino;
	pk->dir = name ? park_dir(g, dirfd) : -1;
	pk->name = pk->dir >= 0 ? xstrdup(name) : NULL;
	now_mono(&t);
	t.tv_sec += g->grace_ms / 1000;
	t.tv_nsec += (long)(g->grace_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	g->until = t;
}

void lock_grace_add(struct lock_grace *g, int fd)
{
	lock_grace_add_at(g, fd, -1, NULL);
}

void lock_grace_finish(struct lock_grace *g)
{
	if (g->nr) {
		sleep_until(&g->until);
		close_parked(g);
	}
	for (size_t i = 0; i < g->nr_children; i++) {
		while (waitpid(g->children[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
	g->nr_children = 0;
}

void lock_grace_release(struct lock_grace *g)
{
	lock_grace_finish(g);
	free(g->parked);
	free(g->dirs);
	free(g->children);
	memset(g, 0, sizeof(*g));
}

/* ---- taking and unlinking ------------------------------------------- */

static enum lock_probe take_at(int dfd, const char *name, int *fd_out,
			       struct stat *st);

enum lock_probe lock_take_at(int dfd, const char *name, int *fd_out)
{
	struct stat st;

	return take_at(dfd, name, fd_out, &st);
}

static enum lock_probe take_at(int dfd, const char *name, int *fd_out,
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
		if (e == ENOSYS || e == EOPNOTSUPP || e == ENOLCK)
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
	park(g, fd, dfd, name, &a);
	return 0;
fail:
	close(fd);
	errno = e;
	return -1;
}

/*
 * lock_unlink_held for a lock lock_take_at has just taken and checked
 * (same inode as the name, still linked): no second look before unlink.
 */
static int unlink_taken(int dfd, const char *name, int fd,
			const struct stat *st, struct lock_grace *g)
{
	int e;

	if (unlinkat(dfd, name, 0) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	park(g, fd, dfd, name, st);
	return 0;
}

/* ---- the sweep ------------------------------------------------------- */

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
	it->path = xasprintf("%s/%s", display, name);
	return it;
}

static bool is_recent(const struct lock_sweep *s, const struct stat *st)
{
	time_t t = st->st_mtime > st->st_ctime ? st->st_mtime : st->st_ctime;

	if (s->opts.older_than <= 0)
		return false;
	return s->now - t < s->opts.older_than;
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
	p = take_at(dfd, name, &fd, &taken);
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
	if (unlink_taken(dfd, name, fd, &taken, &s->grace) < 0) {
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
	struct lock_sweep_item *it = new_item(s, display, name);

	it->fate = sweep_one(s, dfd, name, inc, it);
	s->count[it->fate]++;
	return it->fate;
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
