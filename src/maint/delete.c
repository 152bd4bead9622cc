/* Planned, lock-aware deletion of repos, revisions and blobs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maint/delete.h"
#include "cache/repo.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const kind_names[] = {
	[DEL_REF] = "ref",
	[DEL_SNAPSHOT] = "snapshot",
	[DEL_BLOB] = "blob",
	[DEL_INCOMPLETE] = "incomplete",
	[DEL_NO_EXIST] = "no_exist",
	[DEL_TREE] = "tree",
	[DEL_OTHER] = "other",
	[DEL_LOCK] = "lock",
	[DEL_REPO_LINK] = "repo_link",
};

const char *delete_kind_name(enum delete_kind k)
{
	if ((unsigned)k >= ARRAY_SIZE(kind_names))
		return "unknown";
	return kind_names[k];
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool sorted_has(const struct strlist *l, const char *s)
{
	return l->nr &&
	       bsearch(&s, l->items, l->nr, sizeof(*l->items), cmp_strp);
}

static struct delete_entry *add_entry(struct delete_plan *p,
				      enum delete_kind kind, char *path,
				      uint64_t bytes, const char *etag)
{
	struct delete_entry *e;

	ALLOC_GROW(p->entries, p->nr + 1, p->alloc);
	e = &p->entries[p->nr++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->kind = kind;
	e->bytes = bytes;
	e->etag = etag ? xstrdup(etag) : NULL;
	return e;
}

static uint64_t tree_bytes(int at, const char *name)
{
	unsigned long long n = 0;

	fs_tree_size_at(at, name, &n);
	return n;
}

static void plan_init(struct delete_plan *p, const char *folder)
{
	memset(p, 0, sizeof(*p));
	p->folder = xstrdup(folder);
	p->name = cache_folder_to_name(folder);
	if (!p->name)
		p->name = xstrdup(folder);
}

void delete_plan_release(struct delete_plan *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->entries[i].path);
		free(p->entries[i].etag);
		free(p->entries[i].error);
	}
	free(p->entries);
	free(p->folder);
	free(p->name);
	free(p->commit);
	free(p->link_target);
	strlist_clear(&p->revisions);
	strlist_clear(&p->refs);
	strlist_clear(&p->held_locks);
	strlist_clear(&p->held_notes);
	strlist_clear(&p->busy_etags);
	strlist_clear(&p->escort_given_up);
	memset(p, 0, sizeof(*p));
}

/*
 * Open .locks/<folder> without following links. Returns the fd, or -1
 * with errno (ENOENT: none; ELOOP/ENOTDIR: not a real directory). With
 * create, makes the folders that are missing.
 */
static int open_lock_dir(struct cache *c, const char *folder, bool create)
{
	int root, fd;

	root = fs_opendir_at(c->fd, ".locks");
	if (root < 0 && errno == ENOENT && create) {
		/* In a shared cache 02775 whatever the umask, as pull. */
		if (fs_mkdirs_at(c->fd, ".locks", CACHE_DIR_MODE(c), NULL) < 0)
			return -1;
		root = fs_opendir_at(c->fd, ".locks");
	}
	if (root < 0)
		return -1;
	fd = fs_opendir_at(root, folder);
	if (fd < 0 && errno == ENOENT && create) {
		if (fs_mkdirs_at(root, folder, CACHE_DIR_MODE(c), NULL) == 0)
			fd = fs_opendir_at(root, folder);
	}
	if (fd < 0) {
		int e = errno;
		close(root);
		errno = e;
		return -1;
	}
	close(root);
	return fd;
}

/* A non-empty lock file: a SoftFileLock marker. Live unless provably
 * dead (same host, no such pid). */
static bool soft_lock_live(int dfd, const char *name)
{
	struct strbuf buf = STRBUF_INIT, err = STRBUF_INIT;
	char host[256];
	bool dead = false;
	int fd = openat(dfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno != ENOENT;
	if (gethostname(host, sizeof(host) - 1) == 0) {
		host[sizeof(host) - 1] = '\0';
		if (!fs_read_fd(fd, name, 512, &buf, &err))
			dead = lock_soft_owner_dead(buf.buf, host);
	}
	close(fd);
	strbuf_release(&buf);
	strbuf_release(&err);
	return !dead;
}

static void mark_busy_note(struct delete_plan *p, const char *lockname,
			   const char *note)
{
	char *path = xasprintf(".locks/%s/%s", p->folder, lockname);

	if (!strlist_has(&p->held_locks, path)) {
		strlist_push(&p->held_locks, path);
		strlist_push(&p->held_notes, note ? note : "");
	}
	free(path);
	path = xstrndup(lockname, strlen(lockname) - 5);
	if (!sorted_has(&p->busy_etags, path)) {
		strlist_push_nodup(&p->busy_etags, path);
		strlist_sort(&p->busy_etags);
	} else {
		free(path);
	}
}

static void mark_busy(struct delete_plan *p, const char *lockname)
{
	mark_busy_note(p, lockname, NULL);
}

/* The note of lock file lockname in p, or NULL. */
static const char *note_of(const struct delete_plan *p, const char *lockname)
{
	char *path = xasprintf(".locks/%s/%s", p->folder, lockname);
	const char *note = NULL;

	for (size_t i = 0; i < p->held_locks.nr && !note; i++)
		if (!strcmp(p->held_locks.items[i], path))
			note = p->held_notes.items[i];
	free(path);
	return note;
}

/*
 * A lock file (or, name NULL, the lock folder) this user cannot open or
 * create: its owner can, and may hold it right now. Fail closed: it is
 * busy, and the note names the owner.
 */
static void mark_closed(struct delete_plan *p, int at, const char *name,
			const char *lockname, int err)
{
	struct strbuf note = STRBUF_INIT;

	fs_describe_owner(at, name ? name : p->folder, &note);
	strbuf_addf(&note, "%s%s by you (%s), so it may be held by its owner",
		    note.len ? "; " : "",
		    name ? "cannot be opened" : "folder cannot be used",
		    strerror(err));
	if (lockname) {
		mark_busy_note(p, lockname, note.buf);
	} else {
		char *path = xasprintf(".locks/%s", p->folder);

		if (!strlist_has(&p->held_locks, path)) {
			strlist_push(&p->held_locks, path);
			strlist_push(&p->held_notes, note.buf);
		}
		free(path);
		p->locks_closed = true;
	}
	strbuf_release(&note);
}

/*
 * Probe every lock file of the repo without keeping anything. With
 * add_all (whole repo), every entry of the lock folder becomes a
 * DEL_LOCK entry; otherwise only the held ones are recorded.
 */
static void probe_locks(struct cache *c, struct delete_plan *p, bool add_all)
{
	struct strlist names = STRLIST_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd = open_lock_dir(c, p->folder, false), dfd;

	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		int e = errno, root = fs_opendir_at(c->fd, ".locks");

		if (root >= 0) {
			mark_closed(p, root, NULL, NULL, e);
			close(root);
		}
		return;
	}
	if (fd < 0) {
		int root = fs_opendir_at(c->fd, ".locks");

		/* A lock folder that is a symlink: unlink the link only. */
		if (add_all && root >= 0 &&
		    !fstatat(root, p->folder, &st, AT_SYMLINK_NOFOLLOW) &&
		    !S_ISDIR(st.st_mode))
			add_entry(p, DEL_LOCK,
				  xasprintf(".locks/%s", p->folder), 0, NULL);
		if (root >= 0)
			close(root);
		return;
	}
	dfd = dup(fd);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strlist_push(&names, de->d_name);
	closedir(d);
	strlist_sort(&names);
	for (size_t i = 0; i < names.nr; i++) {
		const char *n = names.items[i];
		bool held = false, lockfile;
		char *etag = NULL;

		if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		lockfile = S_ISREG(st.st_mode) && names_is_lock(n);
		if (lockfile) {
			enum lock_probe pr = st.st_size > 0
						     ? LOCK_SOFT
						     : lock_probe_at(fd, n);

			if (pr == LOCK_SOFT)
				held = soft_lock_live(fd, n);
			else
				held = pr == LOCK_HELD || pr == LOCK_NO_FLOCK;
			if (pr == LOCK_UNREADABLE &&
			    (errno == EACCES || errno == EPERM)) {
				mark_closed(p, fd, n, n, errno);
				held = true;
			} else if (held) {
				mark_busy(p, n);
			}
			etag = xstrndup(n, strlen(n) - 5);
		}
		if (add_all) {
			struct delete_entry *e = add_entry(
				p, DEL_LOCK,
				xasprintf(".locks/%s/%s", p->folder, n), 0,
				etag);
			if (held)
				e->state = DEL_BUSY;
		}
		free(etag);
	}
	strlist_clear(&names);
	close(fd);
}

/* Entries kept because their etag's lock is busy; totals of the plan. */
static void plan_finish(struct delete_plan *p)
{
	p->bytes = 0;
	p->nr_locks = 0;
	for (size_t i = 0; i < p->nr; i++) {
		struct delete_entry *e = &p->entries[i];

		if (e->etag && e->state == DEL_PLANNED &&
		    (p->locks_closed || sorted_has(&p->busy_etags, e->etag)) &&
		    (e->kind == DEL_BLOB || e->kind == DEL_INCOMPLETE ||
		     e->kind == DEL_LOCK))
			e->state = DEL_BUSY;
		if (e->state != DEL_PLANNED)
			continue;
		p->bytes += e->bytes;
		if (e->kind == DEL_LOCK)
			p->nr_locks++;
	}
}

/* The names in at/name, sorted. Returns 0, or the errno of a read error
 * (a missing or unopenable folder lists as empty). */
static int list_dir(int at, const char *name, struct strlist *out)
{
	const struct fs_dirent *de;
	struct fs_dir d;
	int fd = fs_opendir_at(at, name), e;

	if (fd < 0)
		return 0;
	if (fs_dir_open(&d, fd, true) < 0) {
		close(fd);
		return 0;
	}
	while ((de = fs_dir_next(&d)))
		strlist_push(out, de->name);
	e = fs_dir_error(&d);
	fs_dir_close(&d);
	strlist_sort(out);
	return e;
}

int delete_plan_repo(struct cache *c, const char *folder, struct delete_plan *p,
		     struct strbuf *err)
{
	struct strlist top = STRLIST_INIT, sub = STRLIST_INIT;
	struct stat st;
	struct repo r;
	int rfd, lerr;

	plan_init(p, folder);
	p->whole_repo = true;
	if (c->fd < 0)
		return error_set(err, "cache '%s' does not exist", c->root);
	if (!*folder || strchr(folder, '/') || folder[0] == '.')
		return error_set(err, "'%s' is not a repo folder", folder);
	if (fstatat(c->fd, folder, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return error_set(err, "cannot open '%s': %s", folder,
				 strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		char buf[4097];
		ssize_t n = readlinkat(c->fd, folder, buf, sizeof(buf) - 1);

		p->repo_is_symlink = true;
		buf[n < 0 ? 0 : n] = '\0';
		p->link_target = xstrdup(buf);
		add_entry(p, DEL_REPO_LINK, xstrdup(folder), 0, NULL);
		/* Its revisions, for the report; nothing inside is touched. */
		if (!repo_open(c, folder, &r, NULL))
			for (size_t i = 0; i < r.nr_revs; i++)
				strlist_push(&p->revisions, r.revs[i].commit);
		repo_close(&r);
		probe_locks(c, p, true);
		plan_finish(p);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		add_entry(p, DEL_OTHER, xstrdup(folder),
			  S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, NULL);
		probe_locks(c, p, true);
		plan_finish(p);
		return 0;
	}
	if (repo_open(c, folder, &r, err) < 0) {
		repo_close(&r);
		return -1;
	}
	for (size_t i = 0; i < r.nr_refs; i++)
		strlist_push(&p->refs, r.refs[i].name);
	for (size_t i = 0; i < r.nr_revs; i++)
		strlist_push(&p->revisions, r.revs[i].commit);
	repo_close(&r);
	rfd = fs_opendir_at(c->fd, folder);
	if (rfd < 0)
		return error_set(err, "cannot open '%s': %s", folder,
				 strerror(errno));
	lerr = list_dir(c->fd, folder, &top);
	/* refs, then snapshots, then blobs, then the rest: execution order. */
	if (strlist_has(&top, "refs"))
		add_entry(p, DEL_REF, xasprintf("%s/refs", folder),
			  tree_bytes(rfd, "refs"), NULL);
	if (strlist_has(&top, "snapshots")) {
		if (!fstatat(rfd, "snapshots", &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISDIR(st.st_mode)) {
			int sfd = fs_opendir_at(rfd, "snapshots");

			if (!lerr)
				lerr = list_dir(rfd, "snapshots", &sub);
			for (size_t i = 0; sfd >= 0 && i < sub.nr; i++)
				add_entry(p, DEL_SNAPSHOT,
					  xasprintf("%s/snapshots/%s", folder,
						    sub.items[i]),
					  tree_bytes(sfd, sub.items[i]), NULL);
			if (sfd >= 0)
				close(sfd);
			strlist_clear(&sub);
		}
		add_entry(p, DEL_SNAPSHOT, xasprintf("%s/snapshots", folder), 0,
			  NULL);
	}
	if (strlist_has(&top, "blobs")) {
		int bfd = fs_opendir_at(rfd, "blobs");

		if (bfd >= 0) {
			if (!lerr)
				lerr = list_dir(rfd, "blobs", &sub);
			for (size_t i = 0; i < sub.nr; i++) {
				const char *n = sub.items[i];
				char *etag = names_blob_key(n);

				add_entry(p,
					  names_is_incomplete(n)
						  ? DEL_INCOMPLETE
						  : DEL_BLOB,
					  xasprintf("%s/blobs/%s", folder, n),
					  tree_bytes(bfd, n), etag);
				free(etag);
			}
			strlist_clear(&sub);
			close(bfd);
		}
		add_entry(p, DEL_OTHER, xasprintf("%s/blobs", folder), 0, NULL);
	}
	for (size_t i = 0; i < top.nr; i++) {
		const char *n = top.items[i];
		enum delete_kind k = DEL_OTHER;

		if (!strcmp(n, "refs") || !strcmp(n, "snapshots") ||
		    !strcmp(n, "blobs"))
			continue;
		if (!strcmp(n, ".no_exist"))
			k = DEL_NO_EXIST;
		else if (!strcmp(n, "trees"))
			k = DEL_TREE;
		add_entry(p, k, xasprintf("%s/%s", folder, n),
			  tree_bytes(rfd, n), NULL);
	}
	strlist_clear(&top);
	close(rfd);
	if (lerr)
		return error_set(err, "cannot list '%s': %s", folder,
				 strerror(lerr));
	probe_locks(c, p, true);
	plan_finish(p);
	return 0;
}

int delete_plan_revision(struct cache *c, const char *folder,
			 const char *commit, struct delete_plan *p,
			 struct strbuf *err)
{
	struct strlist used = STRLIST_INIT, gone = STRLIST_INIT;
	struct repo_rev *rev;
	struct stat st;
	struct repo r;
	int fd;

	if (repo_open(c, folder, &r, err) < 0) {
		repo_close(&r);
		plan_init(p, folder);
		return -1;
	}
	rev = repo_rev_by_commit(&r, commit);
	if (!rev) {
		repo_close(&r);
		plan_init(p, folder);
		return error_set(err, "revision '%s' not found in %s", commit,
				 folder);
	}
	if (r.nr_revs == 1) {
		int ret;

		repo_close(&r);
		ret = delete_plan_repo(c, folder, p, err);
		p->commit = xstrdup(commit);
		return ret;
	}
	plan_init(p, folder);
	p->commit = xstrdup(commit);
	strlist_push(&p->revisions, commit);
	for (size_t i = 0; i < r.nr_revs; i++) {
		struct repo_rev *o = &r.revs[i];

		if (o == rev)
			continue;
		if (repo_load_files(&r, o) < 0) {
			error_set(err,
				  "cannot tell which blobs revision %s uses: "
				  "%s",
				  o->commit,
				  o->load_error ? o->load_error : "unreadable");
			goto fail;
		}
		for (size_t j = 0; j < o->nr_files; j++)
			if (o->files[j].blob)
				strlist_push(&used, o->files[j].blob);
	}
	strlist_sort(&used);
	if (repo_load_files(&r, rev) < 0 && !rev->nr_files) {
		error_set(err, "cannot read revision %s: %s", commit,
			  rev->load_error ? rev->load_error : "unreadable");
		goto fail;
	}
	for (size_t i = 0; i < rev->refs.nr; i++) {
		strlist_push(&p->refs, rev->refs.items[i]);
		add_entry(p, DEL_REF,
			  xasprintf("%s/refs/%s", folder, rev->refs.items[i]),
			  0, NULL);
	}
	fd = fs_opendir_at(r.fd, "snapshots");
	add_entry(p, DEL_SNAPSHOT, xasprintf("%s/snapshots/%s", folder, commit),
		  fd >= 0 ? tree_bytes(fd, commit) : 0, NULL);
	if (fd >= 0)
		close(fd);
	for (size_t j = 0; j < rev->nr_files; j++) {
		const char *b = rev->files[j].blob;

		if (!b || sorted_has(&used, b) || strlist_has(&gone, b))
			continue;
		strlist_push(&gone, b);
		if (r.blobs_fd < 0 ||
		    fstatat(r.blobs_fd, b, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		add_entry(p, DEL_BLOB, xasprintf("%s/blobs/%s", folder, b),
			  S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, b);
	}
	fd = fs_opendir_at(r.fd, ".no_exist");
	if (fd >= 0) {
		if (!fstatat(fd, commit, &st, AT_SYMLINK_NOFOLLOW))
			add_entry(p, DEL_NO_EXIST,
				  xasprintf("%s/.no_exist/%s", folder, commit),
				  tree_bytes(fd, commit), NULL);
		close(fd);
	}
	fd = fs_opendir_at(r.fd, "trees");
	if (fd >= 0) {
		char *json = xasprintf("%s.json", commit);

		if (!fstatat(fd, json, &st, AT_SYMLINK_NOFOLLOW))
			add_entry(p, DEL_TREE,
				  xasprintf("%s/trees/%s", folder, json),
				  S_ISREG(st.st_mode) ? (uint64_t)st.st_size
						      : 0,
				  NULL);
		free(json);
		close(fd);
	}
	/* The lock files of the blobs that go, when they exist. */
	fd = open_lock_dir(c, folder, false);
	for (size_t i = 0; fd >= 0 && i < gone.nr; i++) {
		char *n = names_lock_of(gone.items[i]);

		if (!fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode))
			add_entry(p, DEL_LOCK,
				  xasprintf(".locks/%s/%s", folder, n), 0,
				  gone.items[i]);
		free(n);
	}
	if (fd >= 0)
		close(fd);
	strlist_clear(&used);
	strlist_clear(&gone);
	repo_close(&r);
	probe_locks(c, p, false);
	plan_finish(p);
	return 0;
fail:
	strlist_clear(&used);
	strlist_clear(&gone);
	repo_close(&r);
	return -1;
}

/* ---- execution ------------------------------------------------------- */

struct held {
	char *etag;
	int fd;
	bool created; /* we made the lock file */
};

struct exec {
	struct cache *c;
	struct delete_plan *p;
	const struct delete_opts *o;
	int lock_fd; /* .locks/<folder>, or -1 */
	struct held *held;
	size_t nr_held, alloc_held;
	struct lock_grace grace;
	struct strbuf *err;
	bool failed;
};

static int held_find(struct exec *x, const char *etag)
{
	for (size_t i = 0; i < x->nr_held; i++)
		if (!strcmp(x->held[i].etag, etag))
			return (int)i;
	return -1;
}

/*
 * Take the lock of etag without blocking, creating the lock file if it
 * is missing. Returns 0 (held by us now), 1 (somebody else has it).
 */
static int take_lock(struct exec *x, const char *etag)
{
	char *name;
	int fd = -1, ret = 0, create_err = 0;
	bool created = false;
	enum lock_probe pr = LOCK_MISSING;
	struct stat st;

	if (held_find(x, etag) >= 0)
		return 0;
	if (x->lock_fd < 0) {
		/* No lock folder and none can be made here (a file system
		 * that refuses, the folder is a link): nobody can lock
		 * either. A folder we may not use is handled by the probe. */
		return x->p->locks_closed ? 1 : 0;
	}
	name = names_lock_of(etag);
	for (int tries = 0; tries < 3; tries++) {
		pr = lock_take_at(x->lock_fd, name, &fd);
		if (pr != LOCK_MISSING)
			break;
		int cfd = openat(x->lock_fd, name,
				 O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
					 O_CLOEXEC,
				 0664);
		if (cfd >= 0) {
			created = true;
			/* 0664 whatever the umask, as huggingface_hub */
			if (fchmod(cfd, 0664) < 0) {
				/* a file system without modes */
			}
			close(cfd);
		} else if (errno == EACCES || errno == EPERM) {
			create_err = errno;
			break;
		}
	}
	if (pr == LOCK_FREE && fstat(fd, &st) == 0 && st.st_size > 0 &&
	    soft_lock_live(x->lock_fd, name)) {
		close(fd);
		pr = LOCK_SOFT;
	}
	if (pr == LOCK_FREE) {
		ALLOC_GROW(x->held, x->nr_held + 1, x->alloc_held);
		x->held[x->nr_held].etag = xstrdup(etag);
		x->held[x->nr_held].fd = fd;
		x->held[x->nr_held].created = created;
		x->nr_held++;
	} else if (pr == LOCK_HELD || pr == LOCK_NO_FLOCK || pr == LOCK_SOFT) {
		mark_busy(x->p, name);
		ret = DELETE_BUSY;
	} else if (pr == LOCK_UNREADABLE &&
		   (errno == EACCES || errno == EPERM)) {
		/* Its owner can open it, and may hold it: fail closed. */
		mark_closed(x->p, x->lock_fd, name, name, errno);
		ret = DELETE_BUSY;
	} else if (pr == LOCK_MISSING && create_err) {
		/*
		 * We cannot make the lock, so we cannot keep its owner's
		 * next download out while we delete: the folder's owner
		 * may be starting one right now.
		 */
		struct strbuf note = STRBUF_INIT;

		strbuf_addstr(&note, "folder ");
		fs_describe_owner(x->lock_fd, ".", &note);
		strbuf_addf(&note,
			    "; the lock file is missing and you cannot "
			    "create it (%s), so the folder's owner may be "
			    "starting a download",
			    strerror(create_err));
		mark_busy_note(x->p, name, note.buf);
		strbuf_release(&note);
		ret = DELETE_BUSY;
	}
	/* LOCK_NOT_FILE: a symlink or folder at the lock's name, which no
	 * client can lock either; the blob is not protected by it. */
	free(name);
	return ret;
}

/*
 * Let go of our locks; with unlink, remove their files (safe recipe).
 * Lock files we created ourselves go in any case.
 */
static void release_locks(struct exec *x, bool unlink)
{
	for (size_t i = 0; i < x->nr_held; i++) {
		struct held *h = &x->held[i];
		char *name = names_lock_of(h->etag);

		if ((unlink || h->created) && x->lock_fd >= 0) {
			/* A file we made ourselves needs a grace period only
			 * if somebody else opened it meanwhile. */
			int r = h->created ? lock_unlink_own(x->lock_fd, name,
							     h->fd, &x->grace)
					   : lock_unlink_held(x->lock_fd, name,
							      h->fd, &x->grace);
			if (r == 0) {
				for (size_t j = 0; j < x->p->nr; j++) {
					struct delete_entry *e =
						&x->p->entries[j];
					if (e->kind == DEL_LOCK && e->etag &&
					    !strcmp(e->etag, h->etag) &&
					    e->state == DEL_PLANNED)
						e->state = DEL_DONE;
				}
			}
		} else {
			close(h->fd);
		}
		free(name);
		free(h->etag);
	}
	x->nr_held = 0;
}

static void entry_fail(struct exec *x, struct delete_entry *e,
		       const struct strbuf *why, int err)
{
	e->state = DEL_FAILED;
	e->err = err;
	e->error = xstrdup(why->buf);
	if (!x->failed)
		error_set(x->err, "%s", why->buf);
	x->failed = true;
}

/*
 * Remove the entry at cache-relative path through directory fds: the
 * parent is opened one component at a time without following links.
 */
static int remove_path(struct exec *x, struct delete_entry *e)
{
	struct strbuf why = STRBUF_INIT;
	const char *slash = strrchr(e->path, '/');
	char *parent;
	int pfd, ret;

	if (!slash) {
		/* a top-level entry: the repo folder itself */
		if (unlinkat(x->c->fd, e->path, 0) < 0 && errno != ENOENT) {
			int err = errno;
			strbuf_addf(&why, "cannot remove '%s': %s", e->path,
				    strerror(err));
			entry_fail(x, e, &why, err);
			strbuf_release(&why);
			return -1;
		}
		e->state = DEL_DONE;
		return 0;
	}
	parent = xstrndup(e->path, (size_t)(slash - e->path));
	pfd = fs_open_path_at(x->c->fd, parent, O_RDONLY | O_DIRECTORY);
	free(parent);
	if (pfd < 0) {
		int err = errno;

		if (err == ENOENT) {
			e->state = DEL_DONE;
			return 0;
		}
		strbuf_addf(&why, "cannot open the folder of '%s': %s", e->path,
			    strerror(err));
		entry_fail(x, e, &why, err);
		strbuf_release(&why);
		return -1;
	}
	ret = fs_remove_tree_at(pfd, slash + 1, e->path, &why);
	if (ret < 0 && (errno == EACCES || errno == EPERM)) {
		int err = errno;

		/* A folder of another user: say whose, and the fix. */
		fs_add_eacces_hint(&why, pfd, ".", "its folder");
		errno = err;
	}
	close(pfd);
	if (ret < 0) {
		int err = errno;

		/* fs_remove_tree_at names the entry; errno is its cause. */
		entry_fail(x, e, &why, err);
		strbuf_release(&why);
		return -1;
	}
	e->state = DEL_DONE;
	strbuf_release(&why);
	return 0;
}

static void skip_rest(struct delete_plan *p)
{
	for (size_t i = 0; i < p->nr; i++)
		if (p->entries[i].state == DEL_PLANNED)
			p->entries[i].state = DEL_SKIPPED;
}

static bool is_kind(const struct delete_entry *e, enum delete_kind k)
{
	return e->kind == k && e->state == DEL_PLANNED;
}

/* Remove every planned entry of kind k; stop_on_fail for refs and
 * snapshots, whose half-removal must not be followed by blob removal. */
static int run_stage(struct exec *x, enum delete_kind k, bool stop_on_fail)
{
	int ret = 0;

	for (size_t i = 0; i < x->p->nr; i++) {
		struct delete_entry *e = &x->p->entries[i];

		if (!is_kind(e, k))
			continue;
		if (remove_path(x, e) < 0) {
			ret = -1;
			if (stop_on_fail)
				return -1;
		}
	}
	return ret;
}

static void finish_totals(struct exec *x)
{
	struct delete_plan *p = x->p;
	struct stat st;

	p->bytes_freed = 0;
	p->locks_removed = p->nr_kept = p->nr_failed = 0;
	for (size_t i = 0; i < p->nr; i++) {
		struct delete_entry *e = &p->entries[i];

		if (e->state == DEL_DONE) {
			p->bytes_freed += e->bytes;
			if (e->kind == DEL_LOCK)
				p->locks_removed++;
		} else if (e->state == DEL_BUSY) {
			p->nr_kept++;
		} else if (e->state == DEL_FAILED) {
			p->nr_failed++;
		}
	}
	p->repo_removed =
		p->whole_repo &&
		fstatat(x->c->fd, p->folder, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		errno == ENOENT;
}

enum delete_outcome delete_execute(struct cache *c, struct delete_plan *p,
				   const struct delete_opts *o,
				   struct strbuf *err)
{
	struct exec x;
	bool need_locks = false, made_lock_dir = false;
	enum delete_outcome ret = DELETE_DONE;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.p = p;
	x.o = o;
	x.err = err;
	lock_grace_init(&x.grace,
			o->grace_ms ? o->grace_ms : lock_grace_default_ms());
	x.grace.stop = o->stop;
	for (size_t i = 0; i < p->nr; i++)
		if (p->entries[i].etag)
			need_locks = true;
	x.lock_fd = open_lock_dir(c, p->folder, false);
	if (x.lock_fd < 0 && errno == ENOENT && need_locks) {
		x.lock_fd = open_lock_dir(c, p->folder, true);
		made_lock_dir = x.lock_fd >= 0;
	}
	p->locks_closed = false;
	if (x.lock_fd < 0 && (errno == EACCES || errno == EPERM) &&
	    need_locks) {
		/* A lock folder we may not use (or not create): its owner
		 * may be downloading any of these blobs. */
		int e = errno, root = fs_opendir_at(c->fd, ".locks");

		strlist_clear(&p->held_locks);
		strlist_clear(&p->held_notes);
		if (root >= 0) {
			mark_closed(p, root, NULL, NULL, e);
			close(root);
		} else {
			mark_closed(p, c->fd, NULL, NULL, e);
		}
	}

	/* 1. Take the lock of every blob that goes, and probe the others:
	 * the plan's view of who holds what may be out of date. */
	if (!p->locks_closed) {
		strlist_clear(&p->held_locks);
		strlist_clear(&p->held_notes);
	}
	strlist_clear(&p->busy_etags);
	for (size_t i = 0; i < p->nr; i++)
		if (p->entries[i].state == DEL_BUSY)
			p->entries[i].state = DEL_PLANNED;
	for (size_t i = 0; i < p->nr; i++) {
		struct delete_entry *e = &p->entries[i];

		if (e->etag && e->state == DEL_PLANNED)
			take_lock(&x, e->etag);
	}
	if (x.lock_fd >= 0) {
		/* Locks of the repo not covered above, for held_locks. */
		struct delete_plan probe;
		plan_init(&probe, p->folder);
		probe_locks(c, &probe, false);
		for (size_t i = 0; i < probe.busy_etags.nr; i++) {
			char *l;

			if (held_find(&x, probe.busy_etags.items[i]) >= 0)
				continue; /* ours */
			l = names_lock_of(probe.busy_etags.items[i]);
			mark_busy_note(p, l, note_of(&probe, l));
			free(l);
		}
		delete_plan_release(&probe);
	}
	if (p->held_locks.nr && !o->force) {
		release_locks(&x, false);
		ret = DELETE_BUSY;
		goto out;
	}
	if (stop_requested(o->stop)) {
		release_locks(&x, false);
		error_set(err, "interrupted");
		ret = DELETE_FAILED;
		goto out;
	}
	plan_finish(p);

	/* 2. refs -> snapshots -> blobs -> the rest. */
	if (run_stage(&x, DEL_REPO_LINK, true) < 0 ||
	    run_stage(&x, DEL_REF, true) < 0 ||
	    run_stage(&x, DEL_SNAPSHOT, true) < 0) {
		skip_rest(p);
		release_locks(&x, false);
		ret = DELETE_FAILED;
		goto out;
	}
	for (size_t i = 0; i < p->nr; i++) {
		struct delete_entry *e = &p->entries[i];

		if (stop_requested(o->stop))
			break;
		if (is_kind(e, DEL_BLOB) || is_kind(e, DEL_INCOMPLETE))
			remove_path(&x, e);
	}
	if (stop_requested(o->stop)) {
		skip_rest(p);
		release_locks(&x, false);
		if (!x.failed)
			error_set(err, "interrupted");
		ret = DELETE_FAILED;
		goto out;
	}
	run_stage(&x, DEL_NO_EXIST, false);
	run_stage(&x, DEL_TREE, false);
	for (size_t i = 0; i < p->nr; i++) {
		struct delete_entry *e = &p->entries[i];

		/*
		 * The blobs folder stays while a lock of the repo is busy:
		 * a download that holds one may be about to create its
		 * partial file there, even when nothing is in it yet.
		 */
		if (!is_kind(e, DEL_OTHER))
			continue;
		size_t n = strlen(e->path);
		if (n > 6 && !strcmp(e->path + n - 6, "/blobs")) {
			int rfd, en;

			if (p->nr_kept || p->busy_etags.nr || p->locks_closed) {
				e->state = DEL_BUSY;
				continue;
			}
			/*
			 * Only if empty: its planned files went one by one
			 * under their locks; anything else is new, from a
			 * download that began after the plan.
			 */
			rfd = fs_opendir_at(c->fd, p->folder);
			en = rfd < 0					? errno
			     : unlinkat(rfd, "blobs", AT_REMOVEDIR) < 0 ? errno
									: 0;
			if (rfd >= 0)
				close(rfd);
			if (en == ENOTEMPTY || en == EEXIST)
				e->state = x.failed ? DEL_SKIPPED : DEL_BUSY;
			else if (en && en != ENOENT)
				remove_path(&x, e); /* says why */
			else
				e->state = DEL_DONE;
			continue;
		}
		remove_path(&x, e);
	}
	if (p->whole_repo && !p->repo_is_symlink)
		unlinkat(c->fd, p->folder, AT_REMOVEDIR);

	/* 3. Lock files: ours by the safe recipe, stray entries plainly. */
	release_locks(&x, true);
	for (size_t i = 0; i < p->nr; i++) {
		struct delete_entry *e = &p->entries[i];

		if (!is_kind(e, DEL_LOCK))
			continue;
		if (!e->etag)
			remove_path(&x, e); /* not a lock file: no recipe */
		else
			e->state = DEL_SKIPPED; /* could not take it */
	}
	lock_grace_finish(&x.grace);
	for (size_t i = 0; i < x.grace.given_up.nr; i++)
		strlist_push_nodup(&p->escort_given_up,
				   xasprintf(".locks/%s/%s", p->folder,
					     x.grace.given_up.items[i]));
	finish_totals(&x);
	/* The lock folder goes with the repo (the next download of a repo
	 * still cached needs it). */
	if (x.lock_fd >= 0 && (p->repo_removed || made_lock_dir)) {
		int root = fs_opendir_at(c->fd, ".locks");

		if (root >= 0) {
			unlinkat(root, p->folder, AT_REMOVEDIR);
			close(root);
		}
	}
	ret = x.failed ? DELETE_FAILED : DELETE_DONE;
out:
	lock_grace_release(&x.grace);
	for (size_t i = 0; i < x.nr_held; i++) {
		close(x.held[i].fd);
		free(x.held[i].etag);
	}
	free(x.held);
	if (x.lock_fd >= 0)
		close(x.lock_fd);
	if (made_lock_dir && ret != 0) {
		/* refused or failed: do not leave the folder we made */
		int root = fs_opendir_at(c->fd, ".locks");

		if (root >= 0) {
			unlinkat(root, p->folder, AT_REMOVEDIR);
			close(root);
		}
	}
	finish_totals(&x);
	return ret;
}

enum delete_outcome delete_blob(struct cache *c, const char *folder,
				const char *name, bool dry_run,
				long long partial_age, struct lock_grace *grace,
				uint64_t *bytes, struct strbuf *err)
{
	struct stat st;
	char *etag, *lockname;
	int rfd, bfd, lfd, fd = -1, ret = -1;
	bool created = false;
	enum lock_probe pr;

	*bytes = 0;
	if (c->fd < 0)
		return error_set(err, "cache '%s' does not exist", c->root);
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return error_set(err, "'%s' is not a blob name", name);
	/* Never through a link: what it leads to is not the cache. */
	rfd = fs_opendir_at(c->fd, folder);
	if (rfd < 0)
		return error_set(err, "cannot open '%s': %s", folder,
				 errno == ELOOP || errno == ENOTDIR
					 ? "not a directory (a symbolic link?)"
					 : strerror(errno));
	bfd = fs_opendir_at(rfd, "blobs");
	close(rfd);
	if (bfd < 0)
		return error_set(err, "cannot open '%s/blobs': %s", folder,
				 strerror(errno));
	if (fstatat(bfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		error_set(err, "cannot open '%s/blobs/%s': %s", folder, name,
			  strerror(errno));
		close(bfd);
		return -1;
	}
	etag = names_blob_key(name);
	lockname = names_lock_of(etag);
	lfd = open_lock_dir(c, folder, !dry_run);
	if (lfd < 0 && (errno == EACCES || errno == EPERM)) {
		/* A lock folder we may not use: its owner may be
		 * downloading this blob right now. Fail closed. */
		int e = errno, root = fs_opendir_at(c->fd, ".locks");

		strbuf_reset(err);
		strbuf_addf(err, "its lock folder .locks/%s (", folder);
		if (root >= 0) {
			fs_describe_owner(root, folder, err);
			close(root);
		}
		strbuf_addf(err,
			    ") cannot be used by you (%s), so its "
			    "owner may be downloading it",
			    strerror(e));
		ret = DELETE_BUSY;
		goto out;
	}
	if (dry_run) {
		pr = lfd >= 0 ? lock_probe_at(lfd, lockname) : LOCK_MISSING;
		if (pr == LOCK_SOFT)
			pr = soft_lock_live(lfd, lockname) ? LOCK_HELD
							   : LOCK_FREE;
		if (pr == LOCK_UNREADABLE &&
		    (errno == EACCES || errno == EPERM))
			goto closed;
		if (pr == LOCK_HELD || pr == LOCK_NO_FLOCK) {
			ret = DELETE_BUSY;
		} else {
			*bytes = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
			ret = DELETE_DONE;
		}
		goto out;
	}
	if (lfd >= 0) {
		int create_err = 0;

		for (int tries = 0; tries < 3; tries++) {
			pr = lock_take_at(lfd, lockname, &fd);
			if (pr != LOCK_MISSING)
				break;
			int cfd = openat(lfd, lockname,
					 O_RDWR | O_CREAT | O_EXCL |
						 O_NOFOLLOW | O_CLOEXEC,
					 0664);
			if (cfd >= 0) {
				if (fchmod(cfd, 0664) < 0) {
					/* a file system without modes */
				}
				created = true;
				close(cfd);
			} else if (errno == EACCES || errno == EPERM) {
				create_err = errno;
				break;
			}
		}
		if (pr == LOCK_FREE) {
			struct stat ls;
			if (fstat(fd, &ls) == 0 && ls.st_size > 0 &&
			    soft_lock_live(lfd, lockname)) {
				close(fd);
				fd = -1;
				pr = LOCK_HELD;
			}
		}
		if (pr == LOCK_UNREADABLE &&
		    (errno == EACCES || errno == EPERM))
			goto closed;
		if (pr == LOCK_MISSING && create_err) {
			strbuf_reset(err);
			strbuf_addf(err,
				    "its lock file .locks/%s/%s is missing and "
				    "you cannot create it (%s; folder ",
				    folder, lockname, strerror(create_err));
			fs_describe_owner(lfd, ".", err);
			strbuf_addstr(err, "), so its owner may be "
					   "downloading it");
			ret = DELETE_BUSY;
			goto out;
		}
		if (pr == LOCK_HELD || pr == LOCK_NO_FLOCK) {
			ret = DELETE_BUSY;
			goto out;
		}
	}
	if (names_is_incomplete(name) && partial_age > 0) {
		/* Under the lock: has a pull written to it since the scan? */
		struct stat now;

		if (fstatat(bfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    time(NULL) - now.st_mtime < partial_age) {
			strbuf_reset(err);
			strbuf_addstr(err, "a pull resumed it since the scan");
			ret = DELETE_BUSY;
			goto out;
		}
	}
	if (names_is_ranges(name)) {
		/* Under the lock: did a pull start this download again? */
		char *partial = names_incomplete_of(etag);
		struct stat ps, now;
		bool back =
			fstatat(bfd, partial, &ps, AT_SYMLINK_NOFOLLOW) == 0 ||
			(fstatat(bfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
			 time(NULL) - now.st_mtime < partial_age);

		free(partial);
		if (back) {
			strbuf_reset(err);
			strbuf_addstr(err, "its download started again since "
					   "the scan");
			ret = DELETE_BUSY;
			goto out;
		}
	}
	if (!names_is_incomplete(name) && !names_is_ranges(name) &&
	    repo_blob_linked(c, folder, name) != 0) {
		ret = DELETE_LINKED; /* since the scan, or cannot tell */
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		char *disp = xasprintf("%s/blobs/%s", folder, name);
		ret = fs_remove_tree_at(bfd, name, disp, err);
		free(disp);
	} else if (unlinkat(bfd, name, 0) < 0 && errno != ENOENT) {
		int e = errno;

		ret = error_set(err, "cannot remove '%s/blobs/%s': %s", folder,
				name, strerror(e));
		if (e == EACCES || e == EPERM)
			fs_add_eacces_hint(err, bfd, ".", "its folder");
	} else {
		*bytes = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
		/* A partial file's record of finished ranges goes with it. */
		if (names_is_incomplete(name)) {
			char *rec = names_ranges_of(etag);
			unlinkat(bfd, rec, 0);
			free(rec);
		}
		ret = DELETE_DONE;
	}
	goto out;
closed:
	/* A lock file we cannot open: its owner can, and may hold it. */
	{
		int e = errno;

		strbuf_reset(err);
		strbuf_addf(err, "its lock file .locks/%s/%s (", folder,
			    lockname);
		fs_describe_owner(lfd, lockname, err);
		strbuf_addf(err,
			    ") cannot be opened by you (%s), so it may "
			    "be held by its owner",
			    strerror(e));
		ret = DELETE_BUSY;
	}
out:
	if (fd >= 0) {
		if (grace && ret == 0 && created)
			lock_unlink_own(lfd, lockname, fd, grace);
		else if (grace && ret == 0)
			lock_unlink_held(lfd, lockname, fd, grace);
		else
			close(fd);
	}
	if (lfd >= 0)
		close(lfd);
	close(bfd);
	free(etag);
	free(lockname);
	return ret;
}
