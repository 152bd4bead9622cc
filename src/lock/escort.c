/*
 * Escorting blocked waiters (Linux: /proc/locks and /proc/<pid>/fd): a
 * process blocked in flock() on an inode we unlinked is let through under
 * a fresh lock at the same name, so no newcomer runs beside it.
 */
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
#include "lock/lock-internal.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

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

bool lock_nobody_else(dev_t dev, ino_t ino)
{
	struct lock_grace none;
	struct file_id id = id_of(dev, ino);
	struct id_set want = { &id, 1, 1 }, hits = { 0 };
	bool alone;

	/* We hold its flock: only waiters (of any user) and openers count. */
	memset(&none, 0, sizeof(none));
	from_proc_locks(&want, true, &hits);
	if (!hits.nr)
		open_elsewhere(&none, &want, &hits);
	alone = !hits.nr;
	free(hits.v);
	return alone;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#define ESCORT_DEFAULT_MS 30000

/* How long one escort may last: MLXK_ESCORT_LIMIT_MS, else 30 s. */
static long escort_limit_ms(void)
{
	const char *v = getenv("MLXK_ESCORT_LIMIT_MS");
	char *end;
	unsigned long ms;

	if (!v || !*v)
		return ESCORT_DEFAULT_MS;
	errno = 0;
	ms = strtoul(v, &end, 10);
	if (errno || *end || ms > 3600000)
		return ESCORT_DEFAULT_MS;
	return (long)ms;
}

/*
 * Past the escort's deadline, or asked to stop: then note the file as
 * given up (a helper child cannot report it, and says nothing).
 */
static bool escort_over(struct lock_grace *g, struct lock_parked *pk,
			const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec < deadline->tv_sec ||
	     (now.tv_sec == deadline->tv_sec &&
	      now.tv_nsec < deadline->tv_nsec)) &&
	    !stop_requested(g->stop))
		return false;
	if (!g->is_helper)
		strlist_push(&g->given_up, pk->name);
	return true;
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
	long limit = escort_limit_ms();
	struct timespec deadline;
	bool gave_up = false;

	/* A waiter that keeps the old inode for good must not keep us. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += limit / 1000;
	deadline.tv_nsec += (limit % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		struct stat a, b;

		fd = openat(dfd, pk->name,
			    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0664);
		if (fd < 0 && errno == EACCES)
			fd = openat(dfd, pk->name,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			break; /* cannot: the waiters go ahead unescorted */
		if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) &&
		    a.st_nlink > 1) {
			/* a planted hard link: not ours to hold or chmod */
			close(fd);
			fd = -1;
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			fd = -1;
			if (errno != EWOULDBLOCK && errno != EAGAIN &&
			    errno != EACCES)
				break;
			if ((gave_up = escort_over(g, pk, &deadline)))
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
	for (int quiet = 0; quiet < 3 && !gave_up;) {
		nap_ms(10);
		quiet = file_busy(g, id_of(pk->dev, pk->ino)) ? 0 : quiet + 1;
		if (!quiet)
			gave_up = escort_over(g, pk, &deadline);
	}
	if (fd >= 0)
		close(fd);
}

void lock_escort_waiters(struct lock_grace *g)
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
	g->use_proc_locks = g->nr <= LOCK_PROC_LOCKS_MAX_SET &&
			    !g->nr_children && !g->is_helper;
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
void lock_escort_waiters(struct lock_grace *g)
{
	(void)g;
}

bool lock_nobody_else(dev_t dev, ino_t ino)
{
	(void)dev;
	(void)ino;
	return false; /* cannot tell: keep the grace period */
}
#endif