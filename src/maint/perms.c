/* Permission diagnostics and repair for multi-user caches. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Give an entry we own the group bits (and group) a shared cache needs. */
static void fix_entry(struct walk *w, int dfd, const char *name,
		      const struct stat *st, struct perms_issue *is)
{
	bool dir = S_ISDIR(st->st_mode);
	mode_t want = (st->st_mode & 07777) |
		      (dir ? (S_IRWXG | S_ISGID) : (S_IRGRP | S_IWGRP));
	struct stat now;
	int fd = openat(dfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				(dir ? O_DIRECTORY : 0));

	if (fd < 0) {
		is->fix_error = xasprintf("cannot open: %s", strerror(errno));
		return;
	}
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino) {
		is->fix_error = xstrdup("changed while being fixed");
		close(fd);
		return;
	}
	/* chown may clear setgid on files, so the group comes first. */
	if (now.st_gid != w->rep->group &&
	    fchown(fd, (uid_t)-1, w->rep->group) < 0)
		is->fix_error = xasprintf("cannot change group to %s: %s",
					  w->rep->group_name, strerror(errno));
	if (fchmod(fd, want) < 0) {
		free(is->fix_error);
		is->fix_error =
			xasprintf("cannot change mode: %s", strerror(errno));
	} else {
		is->new_mode = want;
	}
	close(fd);
	is->fixed = !is->fix_error;
}

static void check_entry(struct walk *w, int dfd, const char *name,
			const char *path, const struct stat *st)
{
	struct perms_report *rep = w->rep;
	struct strbuf why = STRBUF_INIT;
	bool dir = S_ISDIR(st->st_mode);
	mode_t m = st->st_mode;
	struct perms_issue *is;

	rep->checked++;
	if (faccessat(dfd, name, dir ? (W_OK | X_OK) : W_OK, AT_EACCESS) < 0 &&
	    errno != ENOENT)
		strbuf_addstr(&why, dir ? "not writable and searchable by you"
					: "not writable by you");
	if (!dir && names_is_lock(name) && st->st_uid != w->euid &&
	    !(m & (S_IWGRP | S_IWOTH)))
		strbuf_addf(&why,
			    "%slock file only its owner can open for "
			    "writing (filelock needs that)",
			    why.len ? "; " : "");
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
	if (!w->fix)
		return;
	if (st->st_uid == w->euid)
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

int perms_check(struct cache *c, bool fix, struct perms_report *rep,
		struct strbuf *err)
{
	struct walk w;
	struct stat st;
	struct passwd *pw;
	int fd;

	memset(rep, 0, sizeof(*rep));
	if (c->fd < 0)
		return 0;
	if (fstat(c->fd, &st) < 0)
		return error_set(err, "cannot stat '%s': %s", c->root,
				 strerror(errno));
	rep->group = st.st_gid;
	rep->group_name = group_name(st.st_gid);
	rep->root_mode = st.st_mode & 07777;
	rep->root_group_writable = (st.st_mode & S_IWGRP) != 0;
	pw = getpwuid(st.st_uid);
	rep->shared = (rep->root_group_writable && (st.st_mode & S_ISGID)) ||
		      (pw && pw->pw_gid != st.st_gid);
	if (fix && !rep->root_group_writable)
		return error_set(err,
				 "'%s' is not group-writable, so it is not a "
				 "shared cache; make it one first with "
				 "'chmod g+ws %s' (and chgrp to the group)",
				 c->root, c->root);
	memset(&w, 0, sizeof(w));
	w.rep = rep;
	w.fix = fix;
	w.shared = rep->shared || fix;
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
	}
	free(rep->items);
	free(rep->group_name);
	memset(rep, 0, sizeof(*rep));
}
