/* Lock sweeps of the datasets cache and of --local-dir folders. */
/* d_type (DT_*) is not POSIX: asked for by name (see make portability). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maint/home-locks.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

static bool is_dir_entry(int dfd, const struct fs_dirent *e)
{
	struct stat st;

	if (e->type != DT_UNKNOWN)
		return e->type == DT_DIR;
	return fstatat(dfd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

static bool is_lock(const char *n)
{
	size_t len = strlen(n);

	return len > 5 && !strcmp(n + len - 5, ".lock");
}

static char *join(const char *a, const char *b)
{
	if (!*b)
		return xstrdup(a);
	return *a ? xasprintf("%s/%s", a, b) : xstrdup(b);
}

/* Sweep the lock files of one folder; count it if it had any. */
static void sweep(struct lock_sweep *s, int fd, const char *display,
		  struct home_locks *hl)
{
	struct strbuf err = STRBUF_INIT;
	size_t seen = 0;

	if (lock_sweep_stream(s, fd, display, &seen, &err) < 0)
		strlist_push(&hl->unreadable, display);
	else if (seen)
		hl->folders++;
	strbuf_release(&err);
}

/*
 * Open name under at as a real folder (a link is never entered) and
 * record why not when it cannot be.
 */
static int enter(int at, const char *name, const char *display,
		 struct home_locks *hl)
{
	int fd = fs_opendir_at(at, name);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return -1;
	if (errno == ELOOP || errno == ENOTDIR)
		strlist_push(&hl->skipped, display);
	else
		strlist_push(&hl->unreadable, display);
	return -1;
}

/*
 * Sub-folders of fd, names only. Links are never entered: with hl, those
 * not named like a lock file (the sweep reports those) are recorded as
 * skipped, shown under display.
 */
static void subdirs_of(int fd, struct strlist *out, struct home_locks *hl,
		       const char *display)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	int lfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (lfd < 0 || fs_dir_open(&d, lfd, true) < 0) {
		if (lfd >= 0)
			close(lfd);
		return;
	}
	while ((e = fs_dir_next(&d))) {
		struct stat st;

		if (is_dir_entry(fd, e)) {
			strlist_push(out, e->name);
		} else if (hl && !is_lock(e->name) &&
			   (e->type == DT_LNK ||
			    (e->type == DT_UNKNOWN &&
			     fstatat(fd, e->name, &st, AT_SYMLINK_NOFOLLOW) ==
				     0 &&
			     S_ISLNK(st.st_mode)))) {
			strlist_push_nodup(&hl->skipped,
					   join(display, e->name));
		}
	}
	fs_dir_close(&d);
	strlist_sort(out);
}

static void subdirs(int fd, struct strlist *out)
{
	subdirs_of(fd, out, NULL, NULL);
}

/* <name>/<config>/<version>/ of every dataset: builder and info locks. */
static void sweep_builds(struct lock_sweep *s, int root, struct home_locks *hl)
{
	struct strlist names = STRLIST_INIT;

	subdirs_of(root, &names, hl, "");
	for (size_t i = 0; i < names.nr && !stop_requested(s->opts.stop); i++) {
		struct strlist configs = STRLIST_INIT;
		const char *n = names.items[i];
		int nfd;

		if (!strcmp(n, "downloads"))
			continue;
		nfd = enter(root, n, n, hl);
		if (nfd < 0)
			continue;
		subdirs_of(nfd, &configs, hl, n);
		for (size_t j = 0; j < configs.nr; j++) {
			struct strlist versions = STRLIST_INIT;
			char *cd = join(n, configs.items[j]);
			int cfd = enter(nfd, configs.items[j], cd, hl);

			if (cfd >= 0) {
				subdirs_of(cfd, &versions, hl, cd);
				for (size_t k = 0; k < versions.nr; k++) {
					char *vd = join(cd, versions.items[k]);
					int vfd = enter(cfd, versions.items[k],
							vd, hl);

					if (vfd >= 0) {
						sweep(s, vfd, vd, hl);
						close(vfd);
					}
					free(vd);
				}
				close(cfd);
			}
			strlist_clear(&versions);
			free(cd);
		}
		strlist_clear(&configs);
		close(nfd);
	}
	strlist_clear(&names);
}

static void sweep_modules(struct lock_sweep *s, const char *modules,
			  const char *display, struct home_locks *hl)
{
	struct strlist kinds = STRLIST_INIT;
	char *dd = join(display, "datasets_modules");
	int mfd = open(modules, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = mfd >= 0 ? enter(mfd, "datasets_modules", dd, hl) : -1;

	if (dfd >= 0) {
		/* datasets_modules/{datasets,metrics}/<org--name>.lock */
		subdirs(dfd, &kinds);
		for (size_t i = 0; i < kinds.nr; i++) {
			char *kd = join(dd, kinds.items[i]);
			int kfd = enter(dfd, kinds.items[i], kd, hl);

			if (kfd >= 0) {
				sweep(s, kfd, kd, hl);
				close(kfd);
			}
			free(kd);
		}
		close(dfd);
	}
	if (mfd >= 0)
		close(mfd);
	strlist_clear(&kinds);
	free(dd);
}

int home_locks_datasets(struct lock_sweep *s, const char *root,
			const char *modules, const char *modules_display,
			struct home_locks *hl, struct strbuf *err)
{
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dl, ex;

	if (rfd < 0) {
		if (errno != ENOENT)
			return error_set(err, "cannot open '%s': %s", root,
					 strerror(errno));
	} else {
		sweep(s, rfd, "", hl);
		dl = enter(rfd, "downloads", "downloads", hl);
		if (dl >= 0) {
			sweep(s, dl, "downloads", hl);
			ex = enter(dl, "extracted", "downloads/extracted", hl);
			if (ex >= 0) {
				sweep(s, ex, "downloads/extracted", hl);
				close(ex);
			}
			close(dl);
		}
		sweep_builds(s, rfd, hl);
		close(rfd);
	}
	if (modules && !stop_requested(s->opts.stop))
		sweep_modules(s, modules, modules_display, hl);
	return 0;
}

/* Every folder below fd (its display path), depth first. */
static void sweep_tree(struct lock_sweep *s, int fd, const char *display,
		       struct home_locks *hl)
{
	struct strlist subs = STRLIST_INIT;

	sweep(s, fd, display, hl);
	subdirs_of(fd, &subs, hl, display);
	for (size_t i = 0; i < subs.nr && !stop_requested(s->opts.stop); i++) {
		char *sd = join(display, subs.items[i]);
		int sfd = enter(fd, subs.items[i], sd, hl);

		if (sfd >= 0) {
			sweep_tree(s, sfd, sd, hl);
			close(sfd);
		}
		free(sd);
	}
	strlist_clear(&subs);
}

int home_locks_local_dir(struct lock_sweep *s, const char *dir,
			 struct home_locks *hl, struct strbuf *err)
{
	static const char *const parts[] = { "download", "upload" };
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int mfd;

	if (dfd < 0)
		return error_set(err, "cannot open '%s': %s", dir,
				 strerror(errno));
	mfd = fs_open_path_at(dfd, ".cache/huggingface",
			      O_RDONLY | O_DIRECTORY);
	close(dfd);
	if (mfd < 0)
		return error_set(err,
				 "'%s' has no .cache/huggingface folder "
				 "(not an hf download --local-dir folder)",
				 dir);
	/* Only .gitignore.lock lives at this level (hub unlinks it). */
	if (fstatat(mfd, ".gitignore.lock", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		lock_sweep_file(s, mfd, ".cache/huggingface", ".gitignore.lock",
				-1);
		hl->folders++;
	}
	for (size_t i = 0; i < 2; i++) {
		char *pd = xasprintf(".cache/huggingface/%s", parts[i]);
		int pfd = enter(mfd, parts[i], pd, hl);

		if (pfd >= 0) {
			sweep_tree(s, pfd, pd, hl);
			close(pfd);
		}
		free(pd);
	}
	close(mfd);
	return 0;
}

int home_locks_hub(struct lock_sweep *s, const char *root,
		   struct home_locks *hl, struct strbuf *err)
{
	struct strlist names = STRLIST_INIT;
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int lfd;

	if (rfd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, "cannot open '%s': %s", root,
				 strerror(errno));
	}
	lfd = enter(rfd, ".locks", ".locks", hl);
	close(rfd);
	if (lfd < 0)
		return 0;
	subdirs(lfd, &names);
	for (size_t i = 0; i < names.nr; i++) {
		char *d = join(".locks", names.items[i]);
		int fd = enter(lfd, names.items[i], d, hl);

		if (fd >= 0) {
			sweep(s, fd, d, hl);
			close(fd);
		}
		free(d);
	}
	close(lfd);
	strlist_clear(&names);
	return 0;
}

void home_locks_release(struct home_locks *hl)
{
	strlist_clear(&hl->unreadable);
	strlist_clear(&hl->skipped);
}
