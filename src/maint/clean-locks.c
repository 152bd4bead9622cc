/* The folders clean-locks sweeps, and the sweep (see clean-locks.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/repo.h"
#include "maint/clean-locks.h"
#include "model/inspect.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

static void add_target(struct clean_locks_plan *ts, char *display,
		       const char *repo, bool lock_folder)
{
	struct clean_locks_target *t;

	ALLOC_GROW(ts->t, ts->nr + 1, ts->alloc);
	t = &ts->t[ts->nr++];
	memset(t, 0, sizeof(*t));
	t->display = display;
	t->repo = xstrdup(repo);
	t->lock_folder = lock_folder;
}

void clean_locks_plan_release(struct clean_locks_plan *ts)
{
	for (size_t i = 0; i < ts->nr; i++) {
		free(ts->t[i].display);
		free(ts->t[i].repo);
	}
	free(ts->t);
	strlist_clear(&ts->skipped);
	memset(ts, 0, sizeof(*ts));
}

static void list_names(int fd, struct strlist *out)
{
	struct dirent *de;
	DIR *d;
	int dfd = dup(fd);

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strlist_push(out, de->d_name);
	closedir(d);
	strlist_sort(out);
}

/* Is the lock folder of repo folder name in the default (MLX) scope? */
static bool mlx_scope(struct cache *c, const char *name)
{
	struct strbuf err = STRBUF_INIT;
	struct repo r;
	struct repo_rev *rev;
	struct stat st;
	bool mlx = false;

	if (strncmp(name, "models--", 8))
		return false;
	if (fstatat(c->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT) {
		/* The repo is gone: only mlx-community's locks are ours. */
		return !strncmp(name, "models--mlx-community--", 23);
	}
	if (repo_open(c, name, &r, &err) < 0) {
		mlx = false;
	} else if ((rev = repo_current(&r))) {
		repo_load_files(&r, rev);
		mlx = model_detect_framework(&r, rev) == FRAMEWORK_MLX;
	} else {
		mlx = !strncmp(name, "models--mlx-community--", 23);
	}
	repo_close(&r);
	strbuf_release(&err);
	return mlx;
}

int clean_locks_collect(struct cache *c, bool all, struct clean_locks_plan *ts,
			struct strbuf *err)
{
	struct strlist names = STRLIST_INIT;
	int fd = fs_opendir_at(c->fd, ".locks");

	if (fd < 0 && errno != ENOENT)
		return error_set(err, "cannot open '.locks': %s",
				 strerror(errno));
	if (fd >= 0) {
		list_names(fd, &names);
		for (size_t i = 0; i < names.nr; i++) {
			const char *n = names.items[i];
			struct stat st;

			if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (!S_ISDIR(st.st_mode)) {
				if (all)
					strlist_push_nodup(
						&ts->skipped,
						xasprintf(".locks/%s", n));
				continue;
			}
			if (!all && !mlx_scope(c, n))
				continue;
			add_target(ts, xasprintf(".locks/%s", n), n, true);
		}
		close(fd);
		strlist_clear(&names);
	}
	if (!all)
		return 0;
	/* Legacy (before huggingface_hub 0.19): <repo>/blobs/<etag>.lock */
	list_names(c->fd, &names);
	for (size_t i = 0; i < names.nr; i++) {
		const char *n = names.items[i];
		struct strlist blobs = STRLIST_INIT;
		bool any = false;
		int rfd, bfd;

		if (!cache_folder_type(n))
			continue;
		rfd = fs_opendir_at(c->fd, n); /* a linked repo is not ours */
		if (rfd < 0)
			continue;
		bfd = fs_opendir_at(rfd, "blobs");
		close(rfd);
		if (bfd < 0)
			continue;
		list_names(bfd, &blobs);
		for (size_t j = 0; j < blobs.nr && !any; j++)
			any = names_is_lock(blobs.items[j]);
		if (any)
			add_target(ts, xasprintf("%s/blobs", n), n, false);
		strlist_clear(&blobs);
		close(bfd);
	}
	strlist_clear(&names);
	return 0;
}

/* Open a target folder and the blobs/ folder that guards its downloads. */
static int open_target(struct cache *c, const struct clean_locks_target *t,
		       int *blobs)
{
	int fd, rfd;

	*blobs = -1;
	fd = fs_open_path_at(c->fd, t->display, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	if (!t->lock_folder) {
		*blobs = dup(fd);
		return fd;
	}
	/* Reading only: a repo linked to another disk is followed here. */
	rfd = fs_opendir_follow_at(c->fd, t->repo);
	if (rfd >= 0) {
		*blobs = fs_opendir_at(rfd, "blobs");
		close(rfd);
	}
	return fd;
}

size_t clean_locks_execute(struct cache *c, struct clean_locks_plan *ts,
			   struct lock_sweep *s)
{
	bool dry = s->opts.dry_run;
	size_t folders_removed = 0;
	struct stat st;
	int root = -1;

	for (size_t i = 0; i < ts->nr; i++) {
		struct clean_locks_target *t = &ts->t[i];
		struct strlist names = STRLIST_INIT;
		struct strbuf err = STRBUF_INIT;
		int blobs, fd;

		t->first = t->last = s->nr;
		if (stop_requested(s->opts.stop))
			break;
		fd = open_target(c, t, &blobs);
		if (fd < 0)
			continue;
		list_names(fd, &names);
		t->entries = names.nr;
		strlist_clear(&names);
		lock_sweep_dir(s, fd, t->display, blobs, &err);
		t->last = s->nr;
		if (blobs >= 0)
			close(blobs);
		close(fd);
		strbuf_release(&err);
	}
	lock_sweep_finish(s);
	/* Folders left empty go, after the grace period (recipe step 9). */
	root = fs_opendir_at(c->fd, ".locks");
	for (size_t i = 0; i < ts->nr; i++) {
		struct clean_locks_target *t = &ts->t[i];
		size_t removed = 0;

		if (!t->lock_folder)
			continue;
		for (size_t j = t->first; j < t->last; j++)
			if (s->items[j].fate == LOCK_REMOVED ||
			    s->items[j].fate == LOCK_GONE)
				removed++;
		/*
		 * The lock folder of a repo still in the cache stays: its
		 * next download needs it, and a client that does not create
		 * it (filelock < 3.12.3) would fail in the gap.
		 */
		if (fstatat(c->fd, t->repo, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    errno != ENOENT)
			continue;
		if (dry) {
			if (removed == t->entries)
				folders_removed++;
		} else if (root >= 0 &&
			   unlinkat(root, t->repo, AT_REMOVEDIR) == 0) {
			folders_removed++;
		}
	}
	if (root >= 0)
		close(root);
	return folders_removed;
}
