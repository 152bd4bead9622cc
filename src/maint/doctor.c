/* Whole-cache diagnostics: garbage, damage and permission problems. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maint/doctor.h"
#include "lock/lock.h"
#include "cache/repo.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const struct {
	const char *key, *title;
} cats[DOCTOR_NR] = {
	{ "orphan_blobs", "orphan blobs" },
	{ "stale_incomplete", "stale .incomplete files" },
	{ "resumable_incomplete", "resumable partial downloads" },
	{ "dangling_links", "dangling links" },
	{ "bad_refs", "bad refs" },
	{ "detached_revisions", "detached revisions" },
	{ "orphan_lock_folders", "lock folders of missing repos" },
	{ "orphan_no_exist", ".no_exist entries of missing revisions" },
	{ "orphan_trees", "trees entries of missing revisions" },
	{ "stale_temp_files", "temporary files of interrupted writes" },
	{ "unexpected_shapes", "unexpected file types (left alone)" },
	{ "permissions", "permission problems" },
};

const char *doctor_cat_key(enum doctor_cat cat)
{
	return cats[cat].key;
}

const char *doctor_cat_title(enum doctor_cat cat)
{
	return cats[cat].title;
}

/* "a FIFO", "a directory", ...: what st is, for humans. */
static const char *shape_name(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "a symbolic link";
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (S_ISREG(st->st_mode))
		return "a regular file";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return "a device";
}

static struct doctor_item *add_item(struct doctor_report *rep,
				    enum doctor_cat cat, const char *folder,
				    char *path, const char *name,
				    uint64_t bytes)
{
	struct doctor_item *it;

	ALLOC_GROW(rep->items, rep->nr + 1, rep->alloc);
	it = &rep->items[rep->nr++];
	memset(it, 0, sizeof(*it));
	it->cat = cat;
	it->folder = folder ? xstrdup(folder) : NULL;
	it->path = path;
	it->name = name ? xstrdup(name) : NULL;
	it->bytes = bytes;
	rep->count[cat]++;
	return it;
}

/* Which revisions link which blob: one entry per (blob, revision). */
struct use {
	const char *blob;
	size_t rev;
	uint64_t size;
	bool ok;
};

static int cmp_use(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int c = strcmp(x->blob, y->blob);

	if (c)
		return c;
	return x->rev < y->rev ? -1 : x->rev > y->rev;
}

static int cmp_use_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct use *)elem)->blob);
}

static void add_shape(struct doctor_report *rep, const char *folder, char *path,
		      const struct stat *st, const char *want)
{
	struct doctor_item *it =
		add_item(rep, DOCTOR_SHAPE, folder, path, NULL, 0);

	it->detail = xasprintf("%s, not %s: left alone", shape_name(st), want);
}

static bool add_temp(struct repo *r, struct doctor_report *rep, const char *dir,
		     const char *name, const struct stat *st, bool trees,
		     time_t now);

static void scan_blobs(struct repo *r, struct doctor_report *rep,
		       const struct use *uses, size_t nr_uses)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if (r->blobs_fd < 0)
		return;
	fd = dup(r->blobs_fd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The descriptor shares its offset with blobs_fd: start over. */
	rewinddir(d);
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		/* .incomplete files (and their records of finished
		 * ranges) have their own category; legacy
		 * blobs/<etag>.lock files belong to clean-locks. */
		if (names_is_incomplete(de->d_name) ||
		    names_is_lock(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (names_is_ranges(de->d_name)) {
			if (doctor_record_orphaned(r->blobs_fd, de->d_name))
				add_temp(r, rep, "blobs", de->d_name, &st,
					 false, time(NULL));
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			add_shape(
				rep, r->folder,
				xasprintf("%s/blobs/%s", r->folder, de->d_name),
				&st, "a regular file");
			continue;
		}
		if (nr_uses && bsearch(de->d_name, uses, nr_uses, sizeof(*uses),
				       cmp_use_key))
			continue;
		add_item(rep, DOCTOR_ORPHAN_BLOB, r->folder,
			 xasprintf("%s/blobs/%s", r->folder, de->d_name),
			 de->d_name, (uint64_t)st.st_size)
			->mtime = st.st_mtime;
		rep->bytes[DOCTOR_ORPHAN_BLOB] += (uint64_t)st.st_size;
	}
	closedir(d);
}

static void scan_incomplete(struct cache *c, struct repo *r,
			    struct doctor_report *rep)
{
	char *rel = xasprintf(".locks/%s", r->folder);
	int lfd = r->incomplete.nr
			  ? fs_open_path_at(c->fd, rel, O_RDONLY | O_DIRECTORY)
			  : -1;

	time_t now = time(NULL);

	free(rel);
	for (size_t i = 0; i < r->incomplete.nr; i++) {
		const char *name = r->incomplete.items[i];
		char *etag = names_incomplete_etag(name), *lock;
		enum lock_probe p = LOCK_MISSING;
		struct stat st;
		struct doctor_item *it;

		if (!etag)
			continue;
		lock = names_lock_of(etag);
		if (lfd >= 0)
			p = lock_probe_at(lfd, lock);
		if (p == LOCK_HELD || p == LOCK_SOFT)
			rep->active_downloads++;
		if ((p == LOCK_FREE || p == LOCK_MISSING) &&
		    fstatat(r->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode)) {
			/* An interrupted pull: resumable for a day, then
			 * stale (prune's). */
			enum doctor_cat cat =
				now - st.st_mtime >= DOCTOR_PARTIAL_STALE_AGE
					? DOCTOR_INCOMPLETE
					: DOCTOR_RESUMABLE;

			it = add_item(rep, cat, r->folder,
				      xasprintf("%s/blobs/%s", r->folder, name),
				      name, (uint64_t)st.st_size);
			it->mtime = st.st_mtime;
			it->detail = xasprintf(
				"lock .locks/%s/%s %s", r->folder, lock,
				p == LOCK_FREE ? "not held" : "missing");
			rep->bytes[cat] += (uint64_t)st.st_size;
		}
		free(lock);
		free(etag);
	}
	if (lfd >= 0)
		close(lfd);
}

static void scan_refs(struct repo *r, struct doctor_report *rep)
{
	for (size_t i = 0; i < r->nr_refs; i++) {
		struct repo_ref *ref = &r->refs[i];
		struct doctor_item *it;
		char *why;

		if (!ref->commit)
			why = xstrdup("content is not a commit hash");
		else if (!repo_rev_by_commit(r, ref->commit))
			why = xasprintf("points to missing snapshot %s%s",
					ref->commit,
					ref->exact ? ""
						   : " (and has a trailing "
						     "newline or space)");
		else if (!ref->exact)
			why = xstrdup("has a trailing newline or space, "
				      "which huggingface_hub cannot read");
		else
			continue;
		it = add_item(rep, DOCTOR_BAD_REF, r->folder,
			      xasprintf("%s/refs/%s", r->folder, ref->name),
			      ref->name, 0);
		it->detail = why;
	}
}

time_t doctor_snapshot_mtime(int repo_fd, const char *commit)
{
	const struct fs_dirent *de;
	struct fs_dir d;
	struct stat st;
	time_t newest;
	char *rel = xasprintf("snapshots/%s", commit);
	int fd = fs_open_path_at(repo_fd, rel, O_RDONLY | O_DIRECTORY);

	free(rel);
	if (fd < 0 || fstat(fd, &st) < 0 || fs_dir_open(&d, fd, true) < 0) {
		if (fd >= 0)
			close(fd);
		return time(NULL);
	}
	newest = st.st_mtime;
	while ((de = fs_dir_next(&d)))
		if (fstatat(fd, de->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_mtime > newest)
			newest = st.st_mtime;
	fs_dir_close(&d);
	return newest;
}

static void scan_snapshots(struct repo *r, struct doctor_report *rep,
			   const struct use *uses, size_t nr_uses)
{
	uint64_t *own = xcalloc(r->nr_revs ? r->nr_revs : 1, sizeof(*own));

	/* Blobs that only detached revisions use, each counted once. */
	for (size_t i = 0; i < nr_uses;) {
		size_t j = i, revs = 0;
		bool attached = false;
		uint64_t size = 0;

		for (; j < nr_uses && !strcmp(uses[j].blob, uses[i].blob);
		     j++) {
			if (j == i || uses[j].rev != uses[j - 1].rev)
				revs++;
			if (r->revs[uses[j].rev].refs.nr)
				attached = true;
			if (uses[j].ok)
				size = uses[j].size;
		}
		if (!attached) {
			rep->bytes[DOCTOR_DETACHED] += size;
			if (revs == 1)
				own[uses[i].rev] += size;
		}
		i = j;
	}
	for (size_t k = 0; k < r->nr_revs; k++) {
		struct repo_rev *rev = &r->revs[k];

		for (size_t i = 0; i < rev->nr_files; i++) {
			struct repo_file *f = &rev->files[i];
			struct doctor_item *it;

			if (!f->is_link && f->state == FILE_OK &&
			    !rev->refs.nr) {
				/* a copy in no-symlink mode */
				own[k] += f->size;
				rep->bytes[DOCTOR_DETACHED] += f->size;
			}
			if (f->state != FILE_DANGLING &&
			    f->state != FILE_OUTSIDE)
				continue;
			it = add_item(rep, DOCTOR_DANGLING, r->folder,
				      xasprintf("%s/snapshots/%s/%s", r->folder,
						rev->commit, f->path),
				      rev->commit, 0);
			it->detail =
				f->state == FILE_DANGLING
					? xasprintf("blob %s is missing",
						    f->blob)
					: xasprintf("points outside the "
						    "repo's blobs: %s",
						    f->link ? f->link : "?");
		}
		if (!rev->refs.nr)
			add_item(rep, DOCTOR_DETACHED, r->folder,
				 xasprintf("%s/snapshots/%s", r->folder,
					   rev->commit),
				 rev->commit, own[k])
				->mtime =
				doctor_snapshot_mtime(r->fd, rev->commit);
	}
	free(own);
}

bool doctor_record_orphaned(int blobs_fd, const char *name)
{
	char *partial;
	struct stat st;
	bool gone;

	if (!names_is_ranges(name))
		return false;
	/* "<etag>.incomplete.ranges" less ".ranges" */
	partial = xstrndup(name, strlen(name) - strlen(".ranges"));
	gone = fstatat(blobs_fd, partial, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	       errno == ENOENT;
	free(partial);
	return gone;
}

/*
 * Count dir/name (st from lstat) when it is a temporary file of an atomic
 * write that never finished, or an orphaned record of finished ranges.
 * Young ones may be a write in progress.
 */
static bool add_temp(struct repo *r, struct doctor_report *rep, const char *dir,
		     const char *name, const struct stat *st, bool trees,
		     time_t now)
{
	char *rel;

	if (!S_ISREG(st->st_mode) ||
	    !(names_is_temp(name, trees) || names_is_ranges(name)) ||
	    now - st->st_mtime < DOCTOR_TEMP_AGE)
		return false;
	rel = xasprintf("%s/%s", dir, name);
	add_item(rep, DOCTOR_TEMP, r->folder,
		 xasprintf("%s/%s", r->folder, rel), rel,
		 (uint64_t)st->st_size);
	rep->bytes[DOCTOR_TEMP] += (uint64_t)st->st_size;
	free(rel);
	return true;
}

/*
 * .no_exist/<commit>/ and trees/<commit>.json of missing revisions, and
 * the temporary files of trees/ writes.
 */
static void scan_leftovers(struct repo *r, struct doctor_report *rep,
			   bool trees)
{
	time_t now = time(NULL);
	const char *dir = trees ? "trees" : ".no_exist";
	enum doctor_cat cat = trees ? DOCTOR_TREE : DOCTOR_NO_EXIST;
	int fd = fs_opendir_at(r->fd, dir);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		unsigned long long bytes = 0;
		struct stat st;
		char *commit;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (trees) {
			if (add_temp(r, rep, dir, de->d_name, &st, true, now) ||
			    !S_ISREG(st.st_mode) || n <= 5 ||
			    strcmp(de->d_name + n - 5, ".json"))
				continue;
			commit = xstrndup(de->d_name, n - 5);
			bytes = (unsigned long long)st.st_size;
		} else {
			if (!S_ISDIR(st.st_mode))
				continue;
			commit = xstrdup(de->d_name);
			fs_tree_size_at(dirfd(d), de->d_name, &bytes);
		}
		if (!repo_rev_by_commit(r, commit)) {
			add_item(rep, cat, r->folder,
				 xasprintf("%s/%s/%s", r->folder, dir,
					   de->d_name),
				 commit, bytes);
			rep->bytes[cat] += bytes;
		}
		free(commit);
	}
	closedir(d);
}

/* Temporary files of ref writes in refs/ (fd, or -1) and its folders. */
static void scan_temp_refs(struct repo *r, struct doctor_report *rep, int fd,
			   const char *rel, int depth, time_t now)
{
	const struct fs_dirent *de;
	struct fs_dir d;

	if (fd < 0 || fs_dir_open(&d, fd, true) < 0)
		return; /* fd is closed */
	while ((de = fs_dir_next(&d))) {
		struct stat st;

		if (fstatat(fd, de->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 8) {
			int cfd = fs_opendir_at(fd, de->name);
			char *sub = xasprintf("%s/%s", rel, de->name);

			if (cfd >= 0)
				scan_temp_refs(r, rep, cfd, sub, depth + 1,
					       now);
			free(sub);
		} else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			add_shape(
				rep, r->folder,
				xasprintf("%s/%s/%s", r->folder, rel, de->name),
				&st, "a regular file");
		} else {
			add_temp(r, rep, rel, de->name, &st, false, now);
		}
	}
	fs_dir_close(&d);
}

/* snapshots/ holds folders only. */
static void scan_snapshot_shapes(struct repo *r, struct doctor_report *rep)
{
	const struct fs_dirent *de;
	struct fs_dir d;
	int fd = fs_opendir_at(r->fd, "snapshots");

	if (fd < 0 || fs_dir_open(&d, fd, true) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = fs_dir_next(&d))) {
		struct stat st;

		if (fstatat(fd, de->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode))
			add_shape(rep, r->folder,
				  xasprintf("%s/snapshots/%s", r->folder,
					    de->name),
				  &st, "a directory");
	}
	fs_dir_close(&d);
}

/*
 * A repo folder or its blobs/, refs/, snapshots/ that is not a real
 * directory. True when the repo's garbage must not be looked for: what
 * prune would delete through it is not inside the cache.
 */
static bool scan_repo_shape(struct cache *c, struct repo *r,
			    struct doctor_report *rep)
{
	static const char *const subs[] = { "blobs", "refs", "snapshots" };
	struct stat st;
	bool linked = false;

	if (fstatat(c->fd, r->folder, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(st.st_mode)) {
		add_shape(rep, r->folder, xstrdup(r->folder), &st,
			  "a directory (read, never cleaned through)");
		linked = true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (fstatat(r->fd, subs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode)) {
			add_shape(rep, r->folder,
				  xasprintf("%s/%s", r->folder, subs[i]), &st,
				  "a directory");
			linked = true;
		}
	return linked;
}

static void scan_repo(struct cache *c, const char *folder,
		      struct doctor_report *rep)
{
	struct strbuf err = STRBUF_INIT;
	struct use *uses = NULL;
	size_t nr_uses = 0, alloc_uses = 0;
	struct repo r;

	if (repo_open(c, folder, &r, &err) < 0) {
		if (r.list_errno && !rep->read_error)
			rep->read_error = xstrdup(err.buf);
		strlist_push(&rep->warnings, err.buf);
		strbuf_release(&err);
		repo_close(&r);
		return;
	}
	rep->repos++;
	for (size_t k = 0; k < r.nr_revs; k++) {
		struct repo_rev *rev = &r.revs[k];

		if (repo_load_files(&r, rev) < 0 && rev->load_error) {
			if (rev->read_errno && !rep->read_error)
				rep->read_error = xasprintf("%s: %s", folder,
							    rev->load_error);
			strlist_push_nodup(
				&rep->warnings,
				xasprintf("%s: %s", folder, rev->load_error));
		}
		for (size_t i = 0; i < rev->nr_files; i++) {
			struct repo_file *f = &rev->files[i];

			if (!f->blob)
				continue;
			ALLOC_GROW(uses, nr_uses + 1, alloc_uses);
			uses[nr_uses].blob = f->blob;
			uses[nr_uses].rev = k;
			uses[nr_uses].size = f->size;
			uses[nr_uses].ok = f->state == FILE_OK;
			nr_uses++;
		}
	}
	if (nr_uses > 1)
		qsort(uses, nr_uses, sizeof(*uses), cmp_use);
	if (scan_repo_shape(c, &r, rep)) {
		/* Damage is reported; garbage through a link is not. */
		scan_refs(&r, rep);
		goto out;
	}
	scan_snapshot_shapes(&r, rep);
	scan_blobs(&r, rep, uses, nr_uses);
	scan_incomplete(c, &r, rep);
	scan_refs(&r, rep);
	scan_snapshots(&r, rep, uses, nr_uses);
	scan_leftovers(&r, rep, false);
	scan_leftovers(&r, rep, true);
	scan_temp_refs(&r, rep, fs_opendir_at(r.fd, "refs"), "refs", 0,
		       time(NULL));
out:
	free(uses);
	strbuf_release(&err);
	repo_close(&r);
}

static void scan_lock_folders(struct cache *c, struct doctor_report *rep)
{
	int fd = fs_opendir_at(c->fd, ".locks");
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		unsigned long long bytes = 0;
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			    0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (fstatat(c->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    errno != ENOENT)
			continue;
		fs_tree_size_at(dirfd(d), de->d_name, &bytes);
		add_item(rep, DOCTOR_LOCK_FOLDER, de->d_name,
			 xasprintf(".locks/%s", de->d_name), de->d_name, bytes);
		rep->bytes[DOCTOR_LOCK_FOLDER] += bytes;
	}
	closedir(d);
}

/* Repo folders that are directories (or links to one). */
static int list_repos(struct cache *c, struct strlist *out, struct strbuf *err)
{
	struct strlist all = STRLIST_INIT;

	if (cache_repo_folders(c, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < all.nr; i++) {
		struct stat st;

		if (fstatat(c->fd, all.items[i], &st, 0) == 0 &&
		    S_ISDIR(st.st_mode))
			strlist_push(out, all.items[i]);
	}
	strlist_clear(&all);
	return 0;
}

int doctor_scan(struct cache *c, struct doctor_report *rep, struct strbuf *err)
{
	struct strlist folders = STRLIST_INIT;

	memset(rep, 0, sizeof(*rep));
	if (c->fd < 0)
		return 0;
	if (list_repos(c, &folders, err) < 0)
		return -1;
	for (size_t i = 0; i < folders.nr; i++)
		scan_repo(c, folders.items[i], rep);
	strlist_clear(&folders);
	scan_lock_folders(c, rep);
	if (perms_check(c, false, &rep->perms, err) < 0)
		return -1;
	for (size_t i = 0; i < rep->perms.nr; i++) {
		struct perms_issue *is = &rep->perms.items[i];
		struct doctor_item *it = add_item(rep, DOCTOR_PERMISSION, NULL,
						  xstrdup(is->path), NULL, 0);

		it->detail = xstrdup(is->problem);
		it->owner = xstrdup(is->owner);
		it->cure = is->cure ? xstrdup(is->cure) : NULL;
		it->mode = is->mode;
		it->is_dir = is->is_dir;
	}
	return 0;
}

void doctor_report_release(struct doctor_report *rep)
{
	for (size_t i = 0; i < rep->nr; i++) {
		free(rep->items[i].folder);
		free(rep->items[i].path);
		free(rep->items[i].name);
		free(rep->items[i].detail);
		free(rep->items[i].owner);
		free(rep->items[i].cure);
	}
	free(rep->items);
	strlist_clear(&rep->warnings);
	free(rep->read_error);
	perms_report_release(&rep->perms);
	memset(rep, 0, sizeof(*rep));
}
