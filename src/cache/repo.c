/* One cached repo: refs, snapshots, files and blobs. */
#ifdef __linux__
#define _GNU_SOURCE /* O_NOATIME */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/repo.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define MAX_DEPTH 64
#define MAX_FILES 200000
#define REF_CAP 4096

bool is_commit_hash(const char *s)
{
	return strlen(s) == 40 && fs_is_hex(s, 40);
}

static int cmp_rev(const void *a, const void *b)
{
	return strcmp(((const struct repo_rev *)a)->commit,
		      ((const struct repo_rev *)b)->commit);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct repo_file *)a)->path,
		      ((const struct repo_file *)b)->path);
}

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct repo_ref *)a)->name,
		      ((const struct repo_ref *)b)->name);
}

int repo_parse_ref(const char *buf, size_t len, char **commit, bool *exact)
{
	size_t n = len;

	*commit = NULL;
	*exact = len == 40 && fs_is_hex(buf, 40);
	/* Tolerate trailing whitespace written by other tools. */
	while (n && isspace((unsigned char)buf[n - 1]))
		n--;
	if (n != 40 || !fs_is_hex(buf, 40))
		return -1;
	*commit = xstrndup(buf, 40);
	for (size_t i = 0; i < 40; i++)
		(*commit)[i] = (char)tolower((unsigned char)(*commit)[i]);
	return 0;
}

static void add_ref(struct repo *r, const char *name, const struct strbuf *raw)
{
	struct repo_ref *ref;

	ALLOC_GROW(r->refs, r->nr_refs + 1, r->alloc_refs);
	ref = &r->refs[r->nr_refs++];
	ref->name = xstrdup(name);
	if (repo_parse_ref(raw->buf, raw->len, &ref->commit, &ref->exact) < 0)
		strlist_push_nodup(
			&r->problems,
			xasprintf("ref '%s' is not a commit hash", name));
	else if (!ref->exact)
		strlist_push_nodup(&r->problems,
				   xasprintf("ref '%s' has trailing whitespace "
					     "or a newline",
					     name));
}

static void read_refs(struct repo *r, int fd, const char *prefix, int depth)
{
	struct fs_dir d;
	const struct fs_dirent *de;

	if (depth > MAX_DEPTH) {
		close(fd);
		return;
	}
	if (fs_dir_open(&d, fd, true) < 0)
		return;
	while ((de = fs_dir_next(&d))) {
		struct stat st;
		char *name;

		if (fstatat(fd, de->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		name = *prefix ? xasprintf("%s/%s", prefix, de->name)
			       : xstrdup(de->name);
		if (S_ISDIR(st.st_mode)) {
			int sub = fs_opendir_at(fd, de->name);
			if (sub >= 0)
				read_refs(r, sub, name, depth + 1);
		} else if (S_ISREG(st.st_mode) &&
			   !names_is_temp(de->name, false)) {
			struct strbuf raw = STRBUF_INIT, err = STRBUF_INIT;
			int ffd = openat(fd, de->name,
					 O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
						 O_CLOEXEC);
			if (ffd >= 0 &&
			    !fs_read_sized(ffd, name, (size_t)st.st_size,
					   REF_CAP, &raw, &err))
				add_ref(r, name, &raw);
			else
				strlist_push_nodup(
					&r->problems,
					xasprintf("ref '%s' cannot be read",
						  name));
			if (ffd >= 0)
				close(ffd);
			strbuf_release(&raw);
			strbuf_release(&err);
		} else if (!S_ISREG(st.st_mode)) {
			strlist_push_nodup(
				&r->problems,
				xasprintf("ref '%s' is not a regular file",
					  name));
		}
		free(name);
	}
	if (fs_dir_error(&d) && !r->list_errno) {
		r->list_errno = fs_dir_error(&d);
		r->list_what = "refs";
	}
	fs_dir_close(&d);
}

static void read_snapshots(struct repo *r)
{
	int fd = fs_opendir_at(r->fd, "snapshots");
	struct fs_dir d;
	const struct fs_dirent *de;

	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			strlist_push(&r->problems,
				     "snapshots is not a directory");
		else if (errno != ENOENT)
			strlist_push_nodup(
				&r->problems,
				xasprintf("cannot open snapshots: %s",
					  strerror(errno)));
		return;
	}
	/* Keep the descriptor for repo_load_files: no second path lookup. */
	r->snaps_fd = fd;
	if (fs_dir_open(&d, fd, false) < 0)
		return;
	r->has_snapshots = true;
	while ((de = fs_dir_next(&d))) {
		struct stat st;
		struct repo_rev *rev;

		if (fstatat(fd, de->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			strlist_push_nodup(
				&r->problems,
				xasprintf("snapshots/%s is not a directory",
					  de->name));
			continue;
		}
		ALLOC_GROW(r->revs, r->nr_revs + 1, r->alloc_revs);
		rev = &r->revs[r->nr_revs++];
		memset(rev, 0, sizeof(*rev));
		rev->commit = xstrdup(de->name);
		rev->mtime = st.st_mtime;
	}
	if (fs_dir_error(&d) && !r->list_errno) {
		r->list_errno = fs_dir_error(&d);
		r->list_what = "snapshots";
	}
	fs_dir_close(&d);
	if (r->nr_revs > 1)
		qsort(r->revs, r->nr_revs, sizeof(*r->revs), cmp_rev);
}

static void read_incomplete(struct repo *r)
{
	struct fs_dir d;
	const struct fs_dirent *de;

	if (r->blobs_fd < 0 || fs_dir_open(&d, r->blobs_fd, false) < 0)
		return;
	while ((de = fs_dir_next(&d))) {
		if (names_is_incomplete(de->name))
			strlist_push(&r->incomplete, de->name);
	}
	fs_dir_close(&d);
	strlist_sort(&r->incomplete);
}

int repo_open(struct cache *c, const char *folder, struct repo *r,
	      struct strbuf *err)
{
	struct stat st;
	int fd;

	memset(r, 0, sizeof(*r));
	r->cache = c;
	r->fd = r->blobs_fd = r->snaps_fd = -1;
	r->folder = xstrdup(folder);
	r->name = cache_folder_to_name(folder);
	if (!r->name)
		r->name = xstrdup(folder);
	if (c->fd < 0)
		return error_set(err, "cache '%s' does not exist", c->root);
	if (fstatat(c->fd, folder, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return error_set(err, "cannot open '%s': %s", folder,
				 strerror(errno));
	r->is_symlink = S_ISLNK(st.st_mode);
	r->fd = fs_opendir_follow_at(c->fd, folder);
	if (r->fd < 0)
		return error_set(err, "cannot open '%s': %s", folder,
				 strerror(errno));
	r->blobs_fd = fs_opendir_at(r->fd, "blobs");
	r->blobs_errno = r->blobs_fd < 0 ? errno : 0;
	fd = fs_opendir_at(r->fd, "refs");
	if (fd >= 0)
		read_refs(r, fd, "", 0);
	else if (errno == ENOTDIR || errno == ELOOP)
		strlist_push(&r->problems, "refs is not a directory");
	if (r->nr_refs > 1)
		qsort(r->refs, r->nr_refs, sizeof(*r->refs), cmp_ref);
	read_snapshots(r);
	if (r->list_errno)
		return error_set(err, "cannot read '%s/%s': %s", folder,
				 r->list_what, strerror(r->list_errno));
	for (size_t i = 0; i < r->nr_refs; i++) {
		struct repo_rev *rev;

		if (!r->refs[i].commit)
			continue;
		rev = repo_rev_by_commit(r, r->refs[i].commit);
		if (rev)
			strlist_push(&rev->refs, r->refs[i].name);
		else
			strlist_push_nodup(
				&r->problems,
				xasprintf("ref '%s' points to missing "
					  "snapshot %s",
					  r->refs[i].name, r->refs[i].commit));
	}
	read_incomplete(r);
	return 0;
}

static void free_files(struct repo_rev *rev)
{
	for (size_t i = 0; i < rev->nr_files; i++) {
		free(rev->files[i].path);
		free(rev->files[i].blob);
		free(rev->files[i].link);
	}
	FREE_AND_NULL(rev->files);
	rev->nr_files = rev->alloc_files = 0;
}

void repo_close(struct repo *r)
{
	for (size_t i = 0; i < r->nr_revs; i++) {
		free(r->revs[i].commit);
		free(r->revs[i].load_error);
		strlist_clear(&r->revs[i].refs);
		free_files(&r->revs[i]);
	}
	free(r->revs);
	for (size_t i = 0; i < r->nr_refs; i++) {
		free(r->refs[i].name);
		free(r->refs[i].commit);
	}
	free(r->refs);
	strlist_clear(&r->problems);
	strlist_clear(&r->incomplete);
	if (r->blobs_fd >= 0)
		close(r->blobs_fd);
	if (r->snaps_fd >= 0)
		close(r->snaps_fd);
	if (r->fd >= 0)
		close(r->fd);
	free(r->folder);
	free(r->name);
	memset(r, 0, sizeof(*r));
	r->fd = r->blobs_fd = r->snaps_fd = -1;
}

/*
 * Work out which blob a snapshot link names, lexically: the link sits at
 * snapshots/<commit>/<dir...>, and must land on blobs/<name> of this repo.
 */
static char *link_blob(struct repo *r, const char *commit, const char *relpath,
		       const char *target)
{
	struct strlist stack = STRLIST_INIT;
	char *copy, *p, *tok, *save = NULL, *res = NULL;

	/* The shape huggingface_hub writes: "../" x (2 + depth) "blobs/x". */
	{
		const char *t = target;
		size_t ups = 2;

		for (const char *q = relpath; *q; q++)
			ups += *q == '/';
		while (ups && !strncmp(t, "../", 3)) {
			t += 3;
			ups--;
		}
		if (!ups && !strncmp(t, "blobs/", 6) && t[6] &&
		    !strchr(t + 6, '/') && strcmp(t + 6, ".") &&
		    strcmp(t + 6, ".."))
			return xstrdup(t + 6);
	}
	if (target[0] == '/') {
		char *prefix =
			xasprintf("%s/%s/blobs/", r->cache->root, r->folder);
		size_t n = strlen(prefix);

		if (!strncmp(target, prefix, n) && target[n] &&
		    !strchr(target + n, '/') && strcmp(target + n, ".") &&
		    strcmp(target + n, ".."))
			res = xstrdup(target + n);
		free(prefix);
		return res;
	}
	strlist_push(&stack, "snapshots");
	strlist_push(&stack, commit);
	copy = xstrdup(relpath);
	/* Directories of the link's own path. */
	for (p = copy; (tok = strchr(p, '/')); p = tok + 1) {
		*tok = '\0';
		strlist_push(&stack, p);
	}
	free(copy);
	copy = xstrdup(target);
	/* strtok_r: listings inspect repos on several threads at once. */
	for (p = strtok_r(copy, "/", &save); p;
	     p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (!stack.nr)
				goto out; /* climbs out of the repo */
			free(stack.items[--stack.nr]);
			continue;
		}
		strlist_push(&stack, p);
	}
	if (stack.nr == 2 && !strcmp(stack.items[0], "blobs"))
		res = xstrdup(stack.items[1]);
out:
	free(copy);
	strlist_clear(&stack);
	return res;
}

int repo_blob_linked(struct cache *c, const char *folder, const char *blob)
{
	struct strbuf err = STRBUF_INIT;
	struct repo r;
	int ret = 0;

	if (repo_open(c, folder, &r, &err) < 0)
		ret = -1;
	for (size_t k = 0; !ret && k < r.nr_revs; k++) {
		struct repo_rev *rev = &r.revs[k];

		if (repo_load_files(&r, rev) < 0) {
			ret = -1;
			break;
		}
		for (size_t i = 0; i < rev->nr_files; i++)
			if (rev->files[i].blob &&
			    !strcmp(rev->files[i].blob, blob)) {
				ret = 1;
				break;
			}
	}
	repo_close(&r);
	strbuf_release(&err);
	return ret;
}

/* Our identity, looked up once (listings inspect repos in threads). */
static int id_ngroups;
static gid_t *id_groups;
static uid_t id_uid;
static gid_t id_gid;
static pthread_once_t id_once = PTHREAD_ONCE_INIT;

static void load_ids(void)
{
	/*
	 * Ask for the count first: a fixed array made getgroups fail (EINVAL)
	 * for people in many groups, and then every file readable through a
	 * supplementary group looked unreadable.
	 */
	int n = getgroups(0, NULL);

	id_uid = geteuid();
	id_gid = getegid();
	id_groups = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*id_groups));
	id_ngroups = n > 0 ? getgroups(n, id_groups) : 0;
	if (id_ngroups < 0)
		id_ngroups = 0;
}

/*
 * Can we read a file with this mode? Worked out from the stat we already
 * have, so the walk costs no extra system call per file (ACLs aside).
 */
static bool mode_readable(const struct stat *st)
{
	pthread_once(&id_once, load_ids);
	if (id_uid == 0)
		return true;
	if (st->st_uid == id_uid)
		return st->st_mode & S_IRUSR;
	if (st->st_gid == id_gid)
		return st->st_mode & S_IRGRP;
	for (int i = 0; i < id_ngroups; i++)
		if (st->st_gid == id_groups[i])
			return st->st_mode & S_IRGRP;
	return st->st_mode & S_IROTH;
}

static struct repo_file *new_file(struct repo_rev *rev, const char *path)
{
	struct repo_file *f;

	ALLOC_GROW(rev->files, rev->nr_files + 1, rev->alloc_files);
	f = &rev->files[rev->nr_files++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	return f;
}

static void classify_link(struct repo *r, struct repo_rev *rev, int at,
			  const char *name, struct repo_file *f)
{
	char buf[4097];
	ssize_t n = readlinkat(at, name, buf, sizeof(buf) - 1);
	struct stat st;

	f->is_link = true;
	if (n < 0) {
		f->state = FILE_UNREADABLE;
		return;
	}
	buf[n] = '\0';
	f->link = xstrdup(buf);
	f->blob = link_blob(r, rev->commit, f->path, buf);
	if (!f->blob) {
		f->state = FILE_OUTSIDE;
		return;
	}
	if (r->blobs_fd < 0) {
		f->state = r->blobs_errno == ENOENT ? FILE_DANGLING
						    : FILE_UNREADABLE;
		return;
	}
	if (fstatat(r->blobs_fd, f->blob, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		f->state = errno == ENOENT ? FILE_DANGLING : FILE_UNREADABLE;
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		f->state = FILE_NOT_REGULAR;
		return;
	}
	f->state = mode_readable(&st) ? FILE_OK : FILE_UNREADABLE;
	f->size = (uint64_t)st.st_size;
	f->mtime = st.st_mtime;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
}

static int walk_snapshot(struct repo *r, struct repo_rev *rev, int fd,
			 const char *prefix, int depth)
{
	struct fs_dir d;
	const struct fs_dirent *de;

	if (depth > MAX_DEPTH) {
		close(fd);
		rev->load_error = xasprintf("snapshot %s is nested too deeply",
					    rev->commit);
		return -1;
	}
	if (fs_dir_open(&d, fd, true) < 0)
		return -1;
	while ((de = fs_dir_next(&d))) {
		struct stat st;
		struct repo_file *f;
		char *path;

		if (rev->nr_files >= MAX_FILES) {
			rev->load_error = xasprintf(
				"snapshot %s has too many files", rev->commit);
			break;
		}
		path = *prefix ? xasprintf("%s/%s", prefix, de->name)
			       : xstrdup(de->name);
		/*
		 * Snapshots are mostly links: d_type saves an fstatat per
		 * entry (readlinkat fails safely if the entry changed).
		 */
		memset(&st, 0, sizeof(st));
#ifdef DT_LNK
		if (de->type == DT_LNK)
			st.st_mode = S_IFLNK;
		else if (de->type == DT_DIR)
			st.st_mode = S_IFDIR;
#endif
		if (!st.st_mode &&
		    fstatat(fd, de->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			f = new_file(rev, path);
			f->state = FILE_UNREADABLE;
		} else if (S_ISDIR(st.st_mode)) {
			int sub = fs_opendir_at(fd, de->name);
			if (sub < 0) {
				f = new_file(rev, path);
				f->state = FILE_UNREADABLE;
			} else {
				walk_snapshot(r, rev, sub, path, depth + 1);
			}
		} else if (S_ISLNK(st.st_mode)) {
			f = new_file(rev, path);
			classify_link(r, rev, fd, de->name, f);
		} else {
			f = new_file(rev, path);
			if (S_ISREG(st.st_mode)) {
				f->state = mode_readable(&st) ? FILE_OK
							      : FILE_UNREADABLE;
				f->size = (uint64_t)st.st_size;
				f->mtime = st.st_mtime;
				f->dev = st.st_dev;
				f->ino = st.st_ino;
			} else {
				f->state = FILE_NOT_REGULAR;
			}
		}
		free(path);
	}
	if (fs_dir_error(&d)) {
		/* A partial walk would make shared blobs look unused. */
		rev->read_errno = fs_dir_error(&d);
		if (!rev->load_error)
			rev->load_error = xasprintf(
				"cannot read snapshot %s: %s", rev->commit,
				strerror(fs_dir_error(&d)));
		fs_dir_close(&d);
		return -1;
	}
	fs_dir_close(&d);
	return 0;
}

int repo_load_files(struct repo *r, struct repo_rev *rev)
{
	int snaps, fd;

	if (rev->loaded)
		return rev->load_error ? -1 : 0;
	rev->loaded = true;
	snaps = r->snaps_fd >= 0 ? r->snaps_fd
				 : fs_opendir_at(r->fd, "snapshots");
	if (snaps < 0) {
		rev->load_error =
			xasprintf("cannot open snapshots: %s", strerror(errno));
		return -1;
	}
	fd = fs_opendir_at(snaps, rev->commit);
	if (snaps != r->snaps_fd)
		close(snaps);
	if (fd < 0) {
		rev->load_error = xasprintf("cannot open snapshot %s: %s",
					    rev->commit, strerror(errno));
		return -1;
	}
	walk_snapshot(r, rev, fd, "", 0);
	if (rev->nr_files > 1)
		qsort(rev->files, rev->nr_files, sizeof(*rev->files), cmp_file);
	return rev->load_error ? -1 : 0;
}

struct repo_rev *repo_rev_by_commit(struct repo *r, const char *commit)
{
	struct repo_rev key = { .commit = (char *)commit };

	if (!r->nr_revs)
		return NULL;
	return bsearch(&key, r->revs, r->nr_revs, sizeof(*r->revs), cmp_rev);
}

struct repo_ref *repo_ref_by_name(struct repo *r, const char *name)
{
	for (size_t i = 0; i < r->nr_refs; i++)
		if (!strcmp(r->refs[i].name, name))
			return &r->refs[i];
	return NULL;
}

struct repo_rev *repo_current(struct repo *r)
{
	struct repo_ref *main_ref = repo_ref_by_name(r, "main");
	struct repo_rev *best = NULL;

	if (main_ref && main_ref->commit) {
		best = repo_rev_by_commit(r, main_ref->commit);
		if (best)
			return best;
	}
	for (size_t i = 0; i < r->nr_revs; i++)
		if (!best || r->revs[i].mtime > best->mtime ||
		    (r->revs[i].mtime == best->mtime &&
		     strcmp(r->revs[i].commit, best->commit) > 0))
			best = &r->revs[i];
	return best;
}

int repo_find_rev(struct repo *r, const char *spec, struct repo_rev **out,
		  struct strbuf *err)
{
	struct repo_ref *ref = repo_ref_by_name(r, spec);
	struct repo_rev *found = NULL;
	struct strbuf many = STRBUF_INIT;
	size_t n = strlen(spec), hits = 0;

	*out = NULL;
	if (ref) {
		if (!ref->commit)
			return error_set(err,
					 "ref '%s' of %s is not a commit "
					 "hash",
					 spec, r->name);
		*out = repo_rev_by_commit(r, ref->commit);
		if (!*out)
			return error_set(err,
					 "ref '%s' of %s points to missing "
					 "snapshot %s",
					 spec, r->name, ref->commit);
		return 0;
	}
	for (size_t i = 0; n && i < r->nr_revs; i++) {
		if (strncasecmp(r->revs[i].commit, spec, n))
			continue;
		if (!strcasecmp(r->revs[i].commit, spec)) {
			*out = &r->revs[i];
			strbuf_release(&many);
			return 0;
		}
		found = &r->revs[i];
		strbuf_addf(&many, "%s%s", hits ? ", " : "", r->revs[i].commit);
		hits++;
	}
	if (hits == 1) {
		*out = found;
		strbuf_release(&many);
		return 0;
	}
	if (hits > 1)
		error_set(err, "revision '%s' of %s is ambiguous: %s", spec,
			  r->name, many.buf);
	else
		error_set(err, "revision '%s' not found in %s", spec, r->name);
	strbuf_release(&many);
	return -1;
}

struct repo_file *repo_file_by_path(struct repo_rev *rev, const char *path)
{
	struct repo_file key = { .path = (char *)path };

	if (!rev->nr_files)
		return NULL;
	return bsearch(&key, rev->files, rev->nr_files, sizeof(*rev->files),
		       cmp_file);
}

bool repo_rev_has_match(struct repo_rev *rev, const char *glob,
			bool top_level_only)
{
	/* "*.ext" is by far the common glob: a suffix test, no fnmatch. */
	bool suffix = glob[0] == '*' && !strpbrk(glob + 1, "*?[\\");
	size_t slen = suffix ? strlen(glob + 1) : 0;

	for (size_t i = 0; i < rev->nr_files; i++) {
		const char *p = rev->files[i].path, *base = strrchr(p, '/');
		size_t n;

		if (top_level_only && base)
			continue;
		base = base ? base + 1 : p;
		if (suffix) {
			n = strlen(base);
			if (n >= slen && !strcmp(base + n - slen, glob + 1))
				return true;
		} else if (!fnmatch(glob, base, 0)) {
			return true;
		}
	}
	return false;
}

void repo_release_fds(struct repo *r)
{
	if (r->blobs_fd >= 0)
		close(r->blobs_fd);
	if (r->snaps_fd >= 0)
		close(r->snaps_fd);
	if (r->fd >= 0)
		close(r->fd);
	r->blobs_fd = r->snaps_fd = r->fd = -1;
}

int repo_open_file(struct repo *r, struct repo_rev *rev,
		   const struct repo_file *f, struct strbuf *err)
{
	int fd, rfd = r->fd, bfd = r->blobs_fd;

	if (f->state != FILE_OK)
		return error_set(err, "'%s' is not readable", f->path);
	/* Released (repo_release_fds): open the folders for this file. */
	if (rfd < 0) {
		rfd = fs_opendir_follow_at(r->cache->fd, r->folder);
		bfd = rfd >= 0 && f->blob ? fs_opendir_at(rfd, "blobs") : -1;
	}
	if (f->blob) {
		int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
#ifdef O_NOATIME
		/* Our own reads are not use: keep the blob's atime (the
		 * "accessed" of list) for the programs that load it. Only
		 * the owner may ask for that. */
		fd = openat(bfd, f->blob, flags | O_NOATIME);
		if (fd < 0 && errno == EPERM)
#endif
			fd = openat(bfd, f->blob, flags);
	} else {
		char *p = xasprintf("snapshots/%s/%s", rev->commit, f->path);
		fd = fs_open_path_at(rfd, p, O_RDONLY | O_NONBLOCK);
		free(p);
	}
	if (r->fd < 0) {
		int e = errno;

		if (bfd >= 0)
			close(bfd);
		if (rfd >= 0)
			close(rfd);
		errno = e;
	}
	if (fd < 0)
		return error_set(err, "cannot open '%s': %s", f->path,
				 strerror(errno));
	return fd;
}

/*
 * Read a blob whose type and size the walk already took: no second stat,
 * and no read past the known size. The descriptor was opened O_NOFOLLOW
 * and O_NONBLOCK, so a blob swapped for a FIFO or a device meanwhile can
 * neither block nor feed more than cap bytes.
 */
static int read_blob(int fd, const struct repo_file *f, size_t cap,
		     struct strbuf *out, struct strbuf *err)
{
	/* The walk stat'ed the blob already: no second stat, no EOF read. */
	return fs_read_sized(fd, f->path, f->size, cap, out, err);
}

int repo_read_file(struct repo *r, struct repo_rev *rev, const char *path,
		   size_t cap, struct strbuf *out, struct strbuf *err)
{
	struct repo_file *f = repo_file_by_path(rev, path);
	int fd, ret;

	if (!f)
		return error_set(err, "%s missing", path);
	fd = repo_open_file(r, rev, f, err);
	if (fd < 0)
		return -1;
	if (f->blob)
		ret = read_blob(fd, f, cap, out, err);
	else
		ret = fs_read_fd(fd, path, cap, out, err);
	close(fd);
	return ret;
}

static int cmp_file_blob(const void *a, const void *b)
{
	return strcmp((*(struct repo_file *const *)a)->blob,
		      (*(struct repo_file *const *)b)->blob);
}

/*
 * Sparse files can claim 8 EiB each: the sum saturates at INT64_MAX, so
 * it never wraps and still fits a JSON integer (size_bytes >= 0).
 */
static uint64_t size_add(uint64_t total, uint64_t n)
{
	if (total > INT64_MAX || n > INT64_MAX - total)
		return INT64_MAX;
	return total + n;
}

void repo_usage(struct repo *r, struct repo_usage *u)
{
	struct repo_file **links = NULL;
	size_t nr = 0, alloc = 0;

	memset(u, 0, sizeof(*u));
	u->nr_revs = r->nr_revs;
	for (size_t k = 0; k < r->nr_revs; k++) {
		struct repo_rev *rev = &r->revs[k];

		if (rev->mtime > u->modified)
			u->modified = rev->mtime;
		if (!rev->loaded)
			repo_load_files(r, rev);
		for (size_t i = 0; i < rev->nr_files; i++) {
			struct repo_file *f = &rev->files[i];

			if (f->state != FILE_OK)
				continue;
			if (f->blob) {
				ALLOC_GROW(links, nr + 1, alloc);
				links[nr++] = f;
			} else {
				u->bytes = size_add(u->bytes, f->size);
			}
		}
	}
	if (nr > 1)
		qsort(links, nr, sizeof(*links), cmp_file_blob);
	for (size_t i = 0; i < nr; i++) {
		struct stat st;

		if (i && !strcmp(links[i]->blob, links[i - 1]->blob))
			continue;
		u->bytes = size_add(u->bytes, links[i]->size);
		if (links[i]->mtime > u->modified)
			u->modified = links[i]->mtime;
		/* atime is not in repo_file: one more look per blob */
		if (r->blobs_fd >= 0 &&
		    fstatat(r->blobs_fd, links[i]->blob, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_atime > u->accessed)
			u->accessed = st.st_atime;
	}
	free(links);
}

uint64_t repo_rev_size(struct repo_rev *rev)
{
	struct repo_file **links;
	size_t nr = 0;
	uint64_t total = 0;

	links = xcalloc(rev->nr_files ? rev->nr_files : 1, sizeof(*links));
	/* Each blob once: sort by blob name instead of a quadratic scan. */
	for (size_t i = 0; i < rev->nr_files; i++) {
		struct repo_file *f = &rev->files[i];

		if (f->state != FILE_OK)
			continue;
		if (f->blob)
			links[nr++] = f;
		else
			total = size_add(total, f->size);
	}
	if (nr > 1)
		qsort(links, nr, sizeof(*links), cmp_file_blob);
	for (size_t i = 0; i < nr; i++)
		if (!i || strcmp(links[i]->blob, links[i - 1]->blob))
			total = size_add(total, links[i]->size);
	free(links);
	return total;
}
