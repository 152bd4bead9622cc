/*
 * Grace periods: a lock just unlinked is held on (parked) for a while, so
 * that a process which opened it before the unlink finishes its work
 * under it; big sets are handed to a child so that the caller goes on.
 */
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

#define GRACE_DEFAULT_MS 2000
#define GRACE_MAX_SET 16384
#define FD_RESERVE 64

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
	unsigned long lim = fs_raise_nofile(GRACE_MAX_SET + FD_RESERVE);
	size_t cap = 256;

	memset(g, 0, sizeof(*g));
	g->grace_ms = grace_ms;
	if (lim) {
		if (lim >= GRACE_MAX_SET + FD_RESERVE)
			cap = GRACE_MAX_SET;
		else if (lim > FD_RESERVE + 16)
			cap = (size_t)lim - FD_RESERVE;
		else
			cap = 16;
	}
	g->cap = cap;
	g->parked = xcalloc(cap, sizeof(*g->parked));
}

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
	lock_escort_waiters(g);
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
		lock_escort_waiters(g);
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

void lock_grace_add_at(struct lock_grace *g, int fd, int dirfd,
		       const char *name)
{
	struct stat st;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	lock_park(g, fd, dirfd, name, &st);
}

void lock_park(struct lock_grace *g, int fd, int dirfd, const char *name,
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
	strlist_clear(&g->given_up);
	free(g->parked);
	free(g->dirs);
	free(g->children);
	memset(g, 0, sizeof(*g));
}
