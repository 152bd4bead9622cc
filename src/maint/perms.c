/* Permission diagnostics and repair for multi-user caches. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* O_PATH: change entries the owner cannot open */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef MLXK_HAVE_LIBACL
#include <acl/libacl.h>
#include <sys/acl.h>
#endif

#include "maint/perms.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define MAX_DEPTH 64

#ifndef AT_EACCESS
#define AT_EACCESS 0
#endif

struct walk {
	struct perms_report *rep;
	bool fix;
	bool dry_run;
	bool shared; /* apply the group rules (shared cache, or fixing) */
	uid_t euid;
};

char *perms_user_name(uid_t uid)
{
	return fs_user_name(uid);
}

static char *group_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);

	if (gr && gr->gr_name)
		return xstrdup(gr->gr_name);
	return xasprintf("%lu", (unsigned long)gid);
}

/*
 * An entry to change, opened without following links. An owner may
 * change the mode of a file it cannot open (mode 0000, a 0300 folder):
 * on Linux through an O_PATH descriptor and its /proc/self/fd name.
 */
struct handle {
	int fd;
	bool by_path;
	char proc[48];
};

static int handle_open(int dfd, const char *name, const struct stat *st,
		       struct handle *h)
{
	bool dir = S_ISDIR(st->st_mode);
	struct stat now;

	h->by_path = false;
	h->fd = openat(dfd, name,
		       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
			       (dir ? O_DIRECTORY : 0));
#ifdef O_PATH
	if (h->fd < 0 && (errno == EACCES || errno == EPERM)) {
		h->fd = openat(dfd, name,
			       O_PATH | O_NOFOLLOW | O_CLOEXEC |
				       (dir ? O_DIRECTORY : 0));
		h->by_path = true;
	}
#endif
	if (h->fd < 0)
		return -1;
	snprintf(h->proc, sizeof(h->proc), "/proc/self/fd/%d", h->fd);
	if (fstat(h->fd, &now) < 0 || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino) {
		close(h->fd);
		h->fd = -1;
		errno = ESTALE;
		return -1;
	}
	return 0;
}

static int handle_chmod(struct handle *h, mode_t m)
{
	return h->by_path ? chmod(h->proc, m) : fchmod(h->fd, m);
}

static int handle_chgrp(struct handle *h, gid_t g)
{
	return h->by_path ? chown(h->proc, (uid_t)-1, g)
			  : fchown(h->fd, (uid_t)-1, g);
}

#ifdef MLXK_HAVE_LIBACL
/* The folder's default ACL grants group gid rwx (and the mask lets it). */
static bool acl_grants(acl_t a, gid_t gid)
{
	acl_entry_t e;
	bool group = false, mask = true;

	for (int r = acl_get_entry(a, ACL_FIRST_ENTRY, &e); r == 1;
	     r = acl_get_entry(a, ACL_NEXT_ENTRY, &e)) {
		acl_tag_t tag;
		acl_permset_t ps;
		bool rwx;

		if (acl_get_tag_type(e, &tag) < 0 ||
		    acl_get_permset(e, &ps) < 0)
			continue;
		rwx = acl_get_perm(ps, ACL_READ) == 1 &&
		      acl_get_perm(ps, ACL_WRITE) == 1 &&
		      acl_get_perm(ps, ACL_EXECUTE) == 1;
		if (tag == ACL_MASK) {
			mask = rwx;
		} else if (tag == ACL_GROUP) {
			gid_t *q = acl_get_qualifier(e);

			if (q && *q == gid && rwx)
				group = true;
			if (q)
				acl_free(q);
		}
	}
	return group && mask;
}

/*
 * 0: the folder's default ACL already grants the group rwx; 1: it does
 * not (and, unless dry, now does); -1 with errno on failure (ENOTSUP:
 * the file system has no ACLs).
 */
static int default_acl(struct handle *h, gid_t gid, bool dry)
{
	char text[96];
	acl_t cur, want;
	bool ok;
	int r = 1;

	cur = acl_get_file(h->proc, ACL_TYPE_DEFAULT);
	if (!cur)
		return -1;
	ok = acl_grants(cur, gid);
	acl_free(cur);
	if (ok)
		return 0;
	if (dry)
		return 1;
	snprintf(text, sizeof(text), "u::rwx,g::rwx,g:%lu:rwx,m::rwx,o::r-x",
		 (unsigned long)gid);
	want = acl_from_text(text);
	if (!want)
		return -1;
	if (acl_set_file(h->proc, ACL_TYPE_DEFAULT, want) < 0)
		r = -1;
	acl_free(want);
	return r;
}
#endif

/* The mode a shared cache needs: owner and group read/write, folders
 * also search and setgid (new entries inherit the group). */
static mode_t shared_mode(const struct stat *st)
{
	mode_t m = st->st_mode & 07777;

	if (S_ISDIR(st->st_mode))
		return m | S_IRWXU | S_IRWXG | S_ISGID;
	return m | S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP;
}

/* Make an entry this user may change what a shared cache needs. */
static void fix_entry(struct walk *w, int dfd, const char *name,
		      const struct stat *st, struct perms_issue *is)
{
	mode_t want = shared_mode(st);
	struct handle h;
	struct stat now;

	is->new_mode = want;
	if (w->dry_run) {
		is->fixed = true;
		return;
	}
	if (handle_open(dfd, name, st, &h) < 0) {
		is->fix_error =
			xstrdup(errno == ESTALE ? "changed while being fixed"
						: strerror(errno));
		if (errno != ESTALE) {
			char *m = xasprintf("cannot open: %s", is->fix_error);
			free(is->fix_error);
			is->fix_error = m;
		}
		return;
	}
	/* A hard link planted in a shared cache may lead outside it. */
	if (!S_ISDIR(st->st_mode) && fstat(h.fd, &now) == 0 &&
	    now.st_nlink > 1) {
		is->fix_error = xasprintf("not changed: it has %lu hard links "
					  "(one may lead outside the cache)",
					  (unsigned long)now.st_nlink);
		close(h.fd);
		return;
	}
	/* chown may clear setgid on files, so the group comes first. */
	if (st->st_gid != w->rep->group && handle_chgrp(&h, w->rep->group) < 0)
		is->fix_error = xasprintf("cannot change group to %s: %s",
					  w->rep->group_name, strerror(errno));
	if ((st->st_mode & 07777) != want || st->st_gid != w->rep->group) {
		if (handle_chmod(&h, want) < 0) {
			free(is->fix_error);
			is->fix_error = xasprintf("cannot change mode: %s",
						  strerror(errno));
		}
	}
#ifdef MLXK_HAVE_LIBACL
	if (is->acl && !is->fix_error &&
	    default_acl(&h, w->rep->group, false) < 0) {
		if (errno == ENOTSUP || errno == EOPNOTSUPP)
			w->rep->acl_unsupported = true;
		else
			is->fix_error =
				xasprintf("cannot set the default ACL: %s",
					  strerror(errno));
	}
#endif
	close(h.fd);
	is->fixed = !is->fix_error;
}

/* Fixing: does the folder lack the group's default ACL? */
static bool needs_acl(struct walk *w, int dfd, const char *name,
		      const struct stat *st)
{
#ifdef MLXK_HAVE_LIBACL
	struct handle h;
	int r;

	if (!w->fix || w->rep->acl_unsupported || !S_ISDIR(st->st_mode))
		return false;
	if (handle_open(dfd, name, st, &h) < 0)
		return false;
	r = default_acl(&h, w->rep->group, true);
	if (r < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		w->rep->acl_unsupported = true;
	close(h.fd);
	return r == 1;
#else
	(void)w;
	(void)dfd;
	(void)name;
	(void)st;
	return false;
#endif
}

static void check_entry(struct walk *w, int dfd, const char *name,
			const char *path, const struct stat *st)
{
	struct perms_report *rep = w->rep;
	struct strbuf why = STRBUF_INIT;
	bool dir = S_ISDIR(st->st_mode);
	bool mine = w->euid == 0 || st->st_uid == w->euid;
	bool acl = false;
	mode_t m = st->st_mode;
	struct perms_issue *is;
	const char *cure = NULL;

	rep->checked++;
	if (faccessat(dfd, name, dir ? (W_OK | X_OK) : W_OK, AT_EACCESS) < 0 &&
	    errno != ENOENT)
		strbuf_addstr(&why, dir ? "not writable and searchable by you"
					: "not writable by you");
	else if (faccessat(dfd, name, R_OK, AT_EACCESS) < 0 && errno != ENOENT)
		strbuf_addstr(&why, "not readable by you");
	/*
	 * filelock opens lock files O_RDWR: without group or other write,
	 * every other user's download of that blob fails (#2580): another
	 * user's always, our own when others share the cache.
	 */
	if (!dir && names_is_lock(name) && !(m & (S_IWGRP | S_IWOTH)) &&
	    (st->st_uid != w->euid || w->shared)) {
		strbuf_addf(&why,
			    "%slock file only its owner can open for "
			    "writing (filelock needs that)",
			    why.len ? "; " : "");
		cure = st->st_uid == w->euid
			       ? "mlxk health --cache --fix-permissions"
			       : "mlxk clean-locks --all --older-than 0 "
				 "(removes it when idle; the next download "
				 "makes it 0664), or its owner or root runs "
				 "mlxk health --cache --fix-permissions";
	}
	if (w->shared) {
		if (dir && (m & S_IRWXG) != S_IRWXG)
			strbuf_addf(&why, "%sno group rwx",
				    why.len ? "; " : "");
		if (dir && !(m & S_ISGID))
			strbuf_addf(&why, "%sno setgid", why.len ? "; " : "");
		if (!dir && (m & (S_IRGRP | S_IWGRP)) != (S_IRGRP | S_IWGRP))
			strbuf_addf(&why, "%sno group read/write",
				    why.len ? "; " : "");
		if (st->st_gid != rep->group) {
			char *g = group_name(st->st_gid);

			strbuf_addf(&why, "%sgroup %s, not %s",
				    why.len ? "; " : "", g, rep->group_name);
			free(g);
		}
	}
	if (w->fix && mine) {
		if (!why.len && (m & 07777) != shared_mode(st))
			strbuf_addstr(&why, "no owner read/write");
		if (needs_acl(w, dfd, name, st)) {
			acl = true;
			strbuf_addf(&why, "%sno default ACL for group %s",
				    why.len ? "; " : "", rep->group_name);
		}
	}
	if (!why.len) {
		strbuf_release(&why);
		return;
	}
	ALLOC_GROW(rep->items, rep->nr + 1, rep->alloc);
	is = &rep->items[rep->nr++];
	memset(is, 0, sizeof(*is));
	is->path = xstrdup(path);
	is->is_dir = dir;
	is->uid = st->st_uid;
	is->gid = st->st_gid;
	is->mode = m & 07777;
	is->owner = perms_user_name(st->st_uid);
	is->problem = strbuf_detach(&why, NULL);
	is->acl = acl;
	if (cure)
		is->cure = xstrdup(cure);
	else if (!mine)
		is->cure = xasprintf("its owner %s or root runs mlxk health "
				     "--cache --fix-permissions",
				     is->owner);
	else
		is->cure = xstrdup("mlxk health --cache --fix-permissions");
	if (!w->fix)
		return;
	if (mine)
		fix_entry(w, dfd, name, st, is);
	else
		is->fix_error = xasprintf("owned by %s", is->owner);
	if (is->fixed)
		rep->fixed++;
	else
		rep->unfixed++;
}

static void walk_dir(struct walk *w, int fd, const char *prefix, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > MAX_DEPTH || !(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *path;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/* Links are never followed, and their own mode means nothing.
		 */
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		path = *prefix ? xasprintf("%s/%s", prefix, de->d_name)
			       : xstrdup(de->d_name);
		check_entry(w, dirfd(d), de->d_name, path, &st);
		if (S_ISDIR(st.st_mode)) {
			int sub = fs_opendir_at(dirfd(d), de->d_name);

			if (sub >= 0)
				walk_dir(w, sub, path, depth + 1);
		}
		free(path);
	}
	closedir(d);
}

/* "ml" or "1234" to a group id. */
static int find_group(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);
	char *end;
	unsigned long n;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (!*name || *end || errno || !getgrgid((gid_t)n))
		return -1;
	*gid = (gid_t)n;
	return 0;
}

int perms_check(struct cache *c, bool fix, struct perms_report *rep,
		struct strbuf *err)
{
	struct perms_opts o;

	memset(&o, 0, sizeof(o));
	o.fix = fix;
	return perms_run(c, &o, rep, err);
}

int perms_run(struct cache *c, const struct perms_opts *o,
	      struct perms_report *rep, struct strbuf *err)
{
	struct walk w;
	struct stat st;
	struct passwd *pw;
	int fd;

	memset(rep, 0, sizeof(*rep));
#ifdef MLXK_HAVE_LIBACL
	rep->acl_built = true;
#endif
	rep->dry_run = o->fix && o->dry_run;
	if (c->fd < 0)
		return 0;
	if (fstat(c->fd, &st) < 0)
		return error_set(err, "cannot stat '%s': %s", c->root,
				 strerror(errno));
	rep->group = st.st_gid;
	if (o->fix && o->group && find_group(o->group, &rep->group) < 0)
		return error_set(err, "no such group '%s'", o->group);
	rep->group_name = group_name(rep->group);
	rep->root_mode = st.st_mode & 07777;
	rep->root_group_writable = (st.st_mode & S_IWGRP) != 0;
	pw = getpwuid(st.st_uid);
	rep->shared = (rep->root_group_writable && (st.st_mode & S_ISGID)) ||
		      (pw && pw->pw_gid != st.st_gid);
	/* Naming the group says "make it shared": the root too, when we
	 * may change it. */
	if (o->fix && !rep->root_group_writable &&
	    !(o->group && (geteuid() == 0 || st.st_uid == geteuid())))
		return error_set(err,
				 "'%s' is not group-writable, so it is not a "
				 "shared cache; make it one first with "
				 "'chmod g+ws %s' (and chgrp to the group), "
				 "or run --fix-permissions --group GROUP as "
				 "its owner or root",
				 c->root, c->root);
	memset(&w, 0, sizeof(w));
	w.rep = rep;
	w.fix = o->fix;
	w.dry_run = rep->dry_run;
	w.shared = rep->shared || o->fix;
	w.euid = geteuid();
	check_entry(&w, c->fd, ".", ".", &st);
	fd = openat(c->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		walk_dir(&w, fd, "", 0);
	return 0;
}

void perms_report_release(struct perms_report *rep)
{
	for (size_t i = 0; i < rep->nr; i++) {
		free(rep->items[i].path);
		free(rep->items[i].owner);
		free(rep->items[i].problem);
		free(rep->items[i].fix_error);
		free(rep->items[i].cure);
	}
	free(rep->items);
	free(rep->group_name);
	memset(rep, 0, sizeof(*rep));
}
