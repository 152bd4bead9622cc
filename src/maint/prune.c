/* Pruning the garbage of the cache, item by item (see prune.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock/lock.h"
#include "maint/delete.h"
#include "maint/prune.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

bool prune_category(enum doctor_cat cat, bool detached)
{
	switch (cat) {
	case DOCTOR_ORPHAN_BLOB:
	case DOCTOR_INCOMPLETE:
	case DOCTOR_LOCK_FOLDER:
	case DOCTOR_NO_EXIST:
	case DOCTOR_TREE:
	case DOCTOR_TEMP:
		return true;
	case DOCTOR_DETACHED:
		return detached;
	default:
		return false;
	}
}

/* blobs/<name> of a repo: the blob's lock is taken before it goes. */
static void prune_blob(struct cache *c, struct prune_item *a, bool dry_run,
		       struct lock_grace *grace)
{
	struct strbuf err = STRBUF_INIT;
	uint64_t bytes = 0;
	bool record = !strncmp(a->item->name, "blobs/", 6);
	enum delete_outcome r = delete_blob(
		c, a->item->folder, a->item->name + (record ? 6 : 0), dry_run,
		record ? DOCTOR_TEMP_AGE : DOCTOR_PARTIAL_STALE_AGE,
		dry_run ? NULL : grace, &bytes, &err);

	if (r == DELETE_BUSY) {
		a->state = PRUNE_BUSY;
		a->error = err.len ? strbuf_detach(&err, NULL)
				   : xstrdup("its blob lock is held (download "
					     "in progress)");
	} else if (r == DELETE_LINKED) {
		a->state = PRUNE_BUSY;
		a->error = xstrdup("linked by a snapshot since the scan");
	} else if (r == DELETE_FAILED) {
		/* Nothing was freed: no bytes for it. */
		a->state = PRUNE_FAILED;
		a->error = strbuf_detach(&err, NULL);
		a->bytes = 0;
	} else if (!dry_run) {
		a->state = PRUNE_DONE;
		a->bytes = bytes;
	}
	strbuf_release(&err);
}

/* A revision no ref names: the same plan as "mlxk rm MODEL@COMMIT". */
static void prune_revision(struct cache *c, struct prune_item *a, bool dry_run,
			   long long expire, volatile const int *stop,
			   struct strlist *given_up)
{
	struct strbuf err = STRBUF_INIT;
	struct delete_plan p;
	struct delete_opts o;
	enum delete_outcome r;
	int rfd;

	/* Looked at again: a pull may have linked files into it since. */
	rfd = fs_opendir_at(c->fd, a->item->folder);
	if (rfd < 0 ||
	    time(NULL) - doctor_snapshot_mtime(rfd, a->item->name) < expire) {
		a->state = PRUNE_BUSY;
		a->error = xstrdup("changed since the scan");
		if (rfd >= 0)
			close(rfd);
		return;
	}
	close(rfd);
	memset(&o, 0, sizeof(o));
	o.stop = stop;
	if (delete_plan_revision(c, a->item->folder, a->item->name, &p, &err) <
	    0) {
		a->state = PRUNE_FAILED;
		a->error = strbuf_detach(&err, NULL);
		delete_plan_release(&p);
		return;
	}
	if (dry_run) {
		a->bytes = p.bytes;
		if (p.held_locks.nr) {
			a->state = PRUNE_BUSY;
			a->error = xstrdup("a blob lock of the repo is held");
		}
		delete_plan_release(&p);
		strbuf_release(&err);
		return;
	}
	r = delete_execute(c, &p, &o, &err);
	for (size_t i = 0; i < p.escort_given_up.nr; i++)
		strlist_push(given_up, p.escort_given_up.items[i]);
	if (r == DELETE_BUSY) {
		a->state = PRUNE_BUSY;
		a->error = xstrdup("a blob lock of the repo is held");
	} else if (r == DELETE_FAILED) {
		a->state = PRUNE_FAILED;
		a->error = strbuf_detach(&err, NULL);
		a->bytes = p.bytes_freed;
	} else {
		a->state = PRUNE_DONE;
		a->bytes = p.bytes_freed;
	}
	delete_plan_release(&p);
	strbuf_release(&err);
}

/*
 * .locks/<folder> of a repo that is gone: every lock file by the safe
 * recipe, then the folder if that left it empty. No recency guard: the
 * repo folder exists before huggingface_hub takes any of its locks, so
 * only a lock somebody holds right now can matter, and that one is kept.
 */
static void prune_lock_folder(struct cache *c, struct prune_item *a,
			      bool dry_run, volatile const int *stop)
{
	struct lock_sweep_opts so;
	struct lock_sweep s;
	struct strbuf err = STRBUF_INIT;
	struct stat st;
	int lfd = -1, dfd = -1;
	size_t kept;

	if (fstatat(c->fd, a->item->folder, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		a->state = PRUNE_FAILED;
		a->error = xstrdup("the repo exists again");
		return;
	}
	lfd = fs_opendir_at(c->fd, ".locks");
	if (lfd >= 0)
		dfd = fs_opendir_at(lfd, a->item->folder);
	if (dfd < 0) {
		a->state = PRUNE_FAILED;
		a->error = xasprintf("cannot open '%s': %s", a->item->path,
				     strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return;
	}
	memset(&so, 0, sizeof(so));
	so.older_than = 0;
	so.dry_run = dry_run;
	so.stop = stop;
	lock_sweep_init(&s, &so);
	lock_sweep_dir(&s, dfd, a->item->path, -1, &err);
	lock_sweep_finish(&s);
	kept = s.nr - s.count[LOCK_REMOVED] - s.count[LOCK_GONE];
	if (s.count[LOCK_KEPT_NO_PERM]) {
		/* Not "in use": we may not remove them. */
		const struct lock_sweep_item *np = NULL;
		char *who;

		for (size_t i = 0; i < s.nr && !np; i++)
			if (s.items[i].fate == LOCK_KEPT_NO_PERM)
				np = &s.items[i];
		who = fs_user_name(np->uid);
		a->state = PRUNE_FAILED;
		a->error = xasprintf(
			"%zu lock file%s you may not remove (%s, owned by %s: "
			"%s); its owner or root can run 'mlxk prune'",
			s.count[LOCK_KEPT_NO_PERM],
			s.count[LOCK_KEPT_NO_PERM] == 1 ? "" : "s", np->path,
			who, strerror(np->err ? np->err : EACCES));
		free(who);
	} else if (kept) {
		a->state = PRUNE_BUSY;
		a->error = xasprintf("%zu lock file%s kept (%s)", kept,
				     kept == 1 ? "" : "s",
				     s.count[LOCK_KEPT_HELD] ? "held"
							     : "in use or "
							       "not removable");
	} else if (!dry_run) {
		int e = unlinkat(lfd, a->item->folder, AT_REMOVEDIR) < 0 ? errno
									 : 0;

		if (e == ENOTEMPTY || e == EEXIST) {
			/* A client made a new lock in it meanwhile. */
			a->state = PRUNE_BUSY;
			a->error = xstrdup("a new lock file appeared in it "
					   "(in use)");
		} else if (e && e != ENOENT) {
			a->state = PRUNE_FAILED;
			a->error = xasprintf("cannot remove '%s': %s",
					     a->item->path, strerror(e));
		} else {
			a->state = PRUNE_DONE;
		}
	}
	lock_sweep_release(&s);
	strbuf_release(&err);
	close(dfd);
	close(lfd);
}

/* .no_exist/<commit>/ or trees/<commit>.json of a missing revision. */
static void prune_leftover(struct cache *c, struct prune_item *a, bool dry_run)
{
	const struct doctor_item *it = a->item;
	bool tree = it->cat == DOCTOR_TREE;
	const char *slash = strrchr(it->path, '/');
	char *snap;
	struct stat st;
	int rfd, dfd, r;
	struct strbuf err = STRBUF_INIT;

	/* A repo folder that is a link leads outside the cache: leave it. */
	rfd = fs_opendir_at(c->fd, it->folder);
	if (rfd < 0) {
		a->state = PRUNE_FAILED;
		a->error = xasprintf("cannot open '%s': %s", it->folder,
				     strerror(errno));
		return;
	}
	snap = xasprintf("snapshots/%s", it->name);
	r = fstatat(rfd, snap, &st, AT_SYMLINK_NOFOLLOW);
	free(snap);
	if (r == 0) {
		a->state = PRUNE_FAILED;
		a->error = xstrdup("the revision exists again");
		close(rfd);
		return;
	}
	dfd = fs_opendir_at(rfd, tree ? "trees" : ".no_exist");
	close(rfd);
	if (dfd < 0) {
		a->state = PRUNE_FAILED;
		a->error = xasprintf("cannot open '%s': %s", it->path,
				     strerror(errno));
		return;
	}
	if (!dry_run) {
		if (tree)
			r = unlinkat(dfd, slash + 1, 0) < 0 && errno != ENOENT
				    ? error_set(&err, "cannot remove '%s': %s",
						it->path, strerror(errno))
				    : 0;
		else
			r = fs_remove_tree_at(dfd, slash + 1, it->path, &err);
		if (r < 0) {
			a->state = PRUNE_FAILED;
			a->error = strbuf_detach(&err, NULL);
		} else {
			a->state = PRUNE_DONE;
		}
	}
	strbuf_release(&err);
	close(dfd);
}

/*
 * A temporary file of an interrupted write (item name: its path in the
 * repo folder). Checked again before it goes: still such a name, still
 * a regular file, still old; no link on the way is followed.
 */
static void prune_temp(struct cache *c, struct prune_item *a, bool dry_run)
{
	const struct doctor_item *it = a->item;
	const char *slash = strrchr(it->name, '/');
	char *dir = xstrndup(it->name, (size_t)(slash - it->name));
	bool trees = !strcmp(dir, "trees");
	struct stat st;
	int rfd, dfd = -1;

	rfd = fs_opendir_at(c->fd, it->folder);
	if (rfd >= 0) {
		dfd = fs_open_path_at(rfd, dir, O_RDONLY | O_DIRECTORY);
		close(rfd);
	}
	free(dir);
	if (dfd < 0) {
		a->state = PRUNE_FAILED;
		a->error = xasprintf("cannot open the folder of '%s': %s",
				     it->path, strerror(errno));
		return;
	}
	if (fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || !names_is_temp(slash + 1, trees) ||
	    time(NULL) - st.st_mtime < DOCTOR_TEMP_AGE) {
		a->state = PRUNE_FAILED;
		a->error = xstrdup("it changed since the scan");
	} else if (!dry_run) {
		if (unlinkat(dfd, slash + 1, 0) < 0 && errno != ENOENT) {
			a->state = PRUNE_FAILED;
			a->error = xasprintf("cannot remove '%s': %s", it->path,
					     strerror(errno));
		} else {
			a->state = PRUNE_DONE;
		}
	}
	close(dfd);
}

static void run_action(struct cache *c, struct prune_plan *p,
		       struct prune_item *a, bool dry_run,
		       struct lock_grace *grace, volatile const int *stop,
		       struct strlist *given_up)
{
	switch (a->item->cat) {
	case DOCTOR_ORPHAN_BLOB:
	case DOCTOR_INCOMPLETE:
		prune_blob(c, a, dry_run, grace);
		break;
	case DOCTOR_DETACHED:
		prune_revision(c, a, dry_run, p->expire, stop, given_up);
		break;
	case DOCTOR_LOCK_FOLDER:
		prune_lock_folder(c, a, dry_run, stop);
		break;
	case DOCTOR_TEMP:
		/* An orphaned record of ranges goes under its blob's lock. */
		if (!strncmp(a->item->name, "blobs/", 6))
			prune_blob(c, a, dry_run, grace);
		else
			prune_temp(c, a, dry_run);
		break;
	default:
		prune_leftover(c, a, dry_run);
		break;
	}
}

int prune_plan_build(struct cache *c, bool detached, long long expire,
		     struct prune_plan *p, struct strbuf *err)
{
	time_t now = time(NULL);

	memset(p, 0, sizeof(*p));
	p->detached = detached;
	p->expire = expire;
	if (doctor_scan(c, &p->rep, err) < 0)
		return -1;
	if (p->rep.read_error)
		return error_set(err, "%s", p->rep.read_error);
	p->items = xcalloc(p->rep.nr ? p->rep.nr : 1, sizeof(*p->items));
	/* Detached revisions last: their plans see the pruned repo. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->rep.nr; i++) {
			const struct doctor_item *it = &p->rep.items[i];

			if (!prune_category(it->cat, detached) ||
			    (it->cat == DOCTOR_DETACHED) != (pass == 1))
				continue;
			if ((it->cat == DOCTOR_ORPHAN_BLOB ||
			     it->cat == DOCTOR_DETACHED) &&
			    now - it->mtime < expire) {
				p->young++;
				continue;
			}
			p->items[p->nr].item = it;
			p->items[p->nr].bytes = it->bytes;
			p->bytes += it->bytes;
			p->nr++;
		}
	return 0;
}

void prune_execute(struct cache *c, struct prune_plan *p, bool dry_run,
		   volatile const int *stop, struct strlist *given_up)
{
	struct lock_grace grace;

	lock_grace_init(&grace, lock_grace_default_ms());
	grace.stop = stop;
	for (size_t i = 0; i < p->nr && !(stop && stop_requested(stop)); i++)
		run_action(c, p, &p->items[i], dry_run, &grace, stop, given_up);
	lock_grace_finish(&grace);
	for (size_t i = 0; i < grace.given_up.nr; i++)
		strlist_push(given_up, grace.given_up.items[i]);
	lock_grace_release(&grace);
	p->done = p->busy = p->failed = 0;
	p->freed = 0;
	for (size_t i = 0; i < p->nr; i++) {
		struct prune_item *a = &p->items[i];

		if (a->state == PRUNE_BUSY)
			p->busy++;
		else if (a->state == PRUNE_FAILED)
			p->failed++;
		if (a->state == PRUNE_DONE ||
		    (dry_run && a->state == PRUNE_PLANNED)) {
			p->done++;
			p->freed += a->bytes;
		}
		if (a->state == PRUNE_FAILED && a->bytes)
			p->freed += a->bytes;
	}
}

void prune_plan_release(struct prune_plan *p)
{
	for (size_t i = 0; i < p->nr; i++)
		free(p->items[i].error);
	free(p->items);
	p->items = NULL;
	p->nr = 0;
	doctor_report_release(&p->rep);
}
