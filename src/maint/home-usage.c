/* The whole-home view (see home-usage.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "lock/lock.h"
#include "maint/home-locks.h"
#include "maint/home-prune.h"
#include "maint/home-usage.h"
#include "maint/prune.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Add what is below name (under at) to part; links are not followed. */
static void tally_at(int at, const char *name, struct home_part *pt, int depth)
{
	struct stat st;
	struct fs_dir d;
	const struct fs_dirent *e;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		pt->files++;
		if (S_ISREG(st.st_mode)) {
			pt->bytes += (uint64_t)st.st_size;
			if (ends_with(name, ".lock"))
				pt->locks++;
		}
		return;
	}
	if (depth > 64)
		return;
	fd = fs_opendir_at(at, name);
	if (fd < 0 || fs_dir_open(&d, fd, true) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = fs_dir_next(&d)))
		tally_at(d.fd, e->name, pt, depth + 1);
	fs_dir_close(&d);
}

static void add_to(struct home_part *sum, const struct home_part *p)
{
	sum->bytes += p->bytes;
	sum->files += p->files;
	sum->locks += p->locks;
}

static struct home_part *part(struct home_area *a, const char *name)
{
	struct home_part *p;

	for (size_t i = 0; i < a->nr; i++)
		if (!strcmp(a->parts[i].name, name))
			return &a->parts[i];
	ALLOC_GROW(a->parts, a->nr + 1, a->alloc);
	p = &a->parts[a->nr++];
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(name);
	return p;
}

static struct home_area *area(struct home_usage *u, const char *kind,
			      const char *root)
{
	struct home_area *a;
	struct stat st;

	ALLOC_GROW(u->areas, u->nr + 1, u->alloc);
	a = &u->areas[u->nr++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->root = xstrdup(root);
	a->exists = stat(root, &st) == 0 && S_ISDIR(st.st_mode);
	return a;
}

/* Classify each top entry of root with fn; the rest is "other". */
static void tally_root(struct home_area *a,
		       const char *(*classify)(const char *name, bool dir))
{
	int rfd = open(a->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct fs_dir d;
	const struct fs_dirent *e;

	if (rfd < 0 || fs_dir_open(&d, rfd, true) < 0) {
		if (rfd >= 0)
			close(rfd);
		return;
	}
	while ((e = fs_dir_next(&d))) {
		struct stat st;
		bool dir =
			fstatat(d.fd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			S_ISDIR(st.st_mode);
		struct home_part *p = part(a, classify(e->name, dir));
		struct home_part one = { 0 };

		tally_at(d.fd, e->name, &one, 0);
		add_to(p, &one);
		add_to(&a->total, &one);
	}
	fs_dir_close(&d);
}

static const char *hub_class(const char *n, bool dir)
{
	(void)dir;
	if (!strncmp(n, "models--", 8))
		return "models";
	if (!strncmp(n, "datasets--", 10))
		return "datasets";
	if (!strncmp(n, "spaces--", 8))
		return "spaces";
	if (!strncmp(n, "kernels--", 9))
		return "kernels";
	if (!strcmp(n, ".locks"))
		return ".locks";
	return "other";
}

static const char *ds_class(const char *n, bool dir)
{
	if (!strcmp(n, "downloads"))
		return "downloads";
	if (!dir)
		return ends_with(n, ".lock") ? "top-level locks" : "other";
	return n; /* a dataset, by name */
}

static const char *plain_class(const char *n, bool dir)
{
	(void)n;
	(void)dir;
	return "all";
}

/* downloads/ splits into its files and extracted/. */
static void split_downloads(struct home_area *a)
{
	struct home_part *dl = part(a, "downloads");
	struct home_part ex = { 0 };
	int rfd = open(a->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = rfd >= 0 ? fs_opendir_at(rfd, "downloads") : -1;

	if (dfd >= 0) {
		tally_at(dfd, "extracted", &ex, 0);
		close(dfd);
	}
	if (rfd >= 0)
		close(rfd);
	if (!ex.files && !ex.bytes)
		return;
	dl->bytes -= ex.bytes;
	dl->files -= ex.files;
	dl->locks -= ex.locks;
	add_to(part(a, "downloads/extracted"), &ex);
}

/* Xet parts by name across endpoint folders (both spellings). */
static void split_xet(struct home_area *a)
{
	int rfd = open(a->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct fs_dir d;
	const struct fs_dirent *e;
	struct home_area tmp = { 0 };

	if (rfd < 0 || fs_dir_open(&d, rfd, true) < 0) {
		if (rfd >= 0)
			close(rfd);
		return;
	}
	tmp.parts = NULL;
	while ((e = fs_dir_next(&d))) {
		int efd;
		struct fs_dir ed;
		const struct fs_dirent *pe;

		if (!strcmp(e->name, "logs")) {
			struct home_part one = { 0 };

			tally_at(d.fd, e->name, &one, 0);
			add_to(part(&tmp, "logs"), &one);
			continue;
		}
		efd = fs_opendir_at(d.fd, e->name);
		if (efd < 0 || fs_dir_open(&ed, efd, true) < 0) {
			struct home_part one = { 0 };

			if (efd >= 0)
				close(efd);
			tally_at(d.fd, e->name, &one, 0);
			add_to(part(&tmp, "other"), &one);
			continue;
		}
		while ((pe = fs_dir_next(&ed))) {
			struct home_part one = { 0 };
			const char *n = pe->name;

			tally_at(ed.fd, n, &one, 0);
			if (!strcmp(n, "shard-cache") ||
			    !strcmp(n, "shard_cache"))
				n = "shard-cache";
			else if (!strcmp(n, "chunk-cache") ||
				 !strcmp(n, "chunk_cache"))
				n = "chunk-cache";
			else if (strcmp(n, "staging"))
				n = "other";
			add_to(part(&tmp, n), &one);
		}
		fs_dir_close(&ed);
	}
	fs_dir_close(&d);
	for (size_t i = 0; i < tmp.nr; i++) {
		add_to(&a->total, &tmp.parts[i]);
		add_to(part(a, tmp.parts[i].name), &tmp.parts[i]);
		free(tmp.parts[i].name);
	}
	free(tmp.parts);
}

static void locks_dry(struct home_area *a, long long older_than, int which,
		      const char *modules)
{
	struct lock_sweep_opts so = { 0 };
	struct lock_sweep s;
	struct home_locks hl = { 0 };
	struct strbuf err = STRBUF_INIT;

	so.dry_run = true;
	so.forget_removed = true;
	so.older_than = (time_t)older_than;
	lock_sweep_init(&s, &so);
	if (which == 0)
		home_locks_datasets(&s, a->root, modules, modules, &hl, &err);
	else if (which == 1)
		home_locks_local_dir(&s, a->root, &hl, &err);
	else
		home_locks_hub(&s, a->root, &hl, &err);
	a->locks_removable = s.count[LOCK_REMOVED];
	lock_sweep_release(&s);
	home_locks_release(&hl);
	strbuf_release(&err);
}

static void prune_dry(struct home_area *a, int which)
{
	struct home_prune_opts po = { .older_than = -1,
				      .tmp_min_age = 3600,
				      .now = time(NULL) };
	struct home_plan p;
	struct strbuf err = STRBUF_INIT;
	int r;

	if (which == 0)
		r = home_prune_datasets_plan(a->root, &po, &p, &err);
	else if (which == 1)
		r = home_prune_local_dir_plan(a->root, &po, &p, &err);
	else
		r = home_prune_xet_plan(a->root, &po, &p, &err);
	if (r == 0) {
		a->has_prune = true;
		a->prune_bytes = p.bytes;
		a->prune_inodes = p.inodes;
		if (p.blocked)
			a->prune_blocked = xstrdup(p.blocked);
	}
	home_plan_release(&p);
	strbuf_release(&err);
}

/* The hub cache: what "mlxk prune" (no --detached, --expire 1h) would free. */
static void hub_prune_dry(struct home_area *a)
{
	struct cache c;
	struct prune_plan p;
	struct strbuf err = STRBUF_INIT;

	if (cache_open(&c, a->root, &err) < 0 || c.fd < 0) {
		strbuf_release(&err);
		return;
	}
	if (prune_plan_build(&c, false, DOCTOR_EXPIRE_DEFAULT, &p, &err) == 0) {
		a->has_prune = true;
		a->prune_bytes = p.bytes;
		a->prune_inodes = p.nr;
	}
	prune_plan_release(&p);
	cache_close(&c);
	strbuf_release(&err);
}

int home_usage_collect(const struct home_usage_opts *o, struct home_usage *u,
		       struct strbuf *err)
{
	struct home_area *a;

	(void)err;
	memset(u, 0, sizeof(*u));
	a = area(u, "hub", o->hub);
	tally_root(a, hub_class);
	locks_dry(a, o->older_than, 2, NULL);
	hub_prune_dry(a);

	a = area(u, "datasets", o->datasets);
	tally_root(a, ds_class);
	split_downloads(a);
	locks_dry(a, o->older_than, 0, NULL);
	prune_dry(a, 0);

	for (size_t i = 0; i < o->nr_local_dirs; i++) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "%s/.cache/huggingface", o->local_dirs[i]);
		a = area(u, "local_dir", o->local_dirs[i]);
		free(a->root);
		a->root = xstrdup(m.buf);
		tally_root(a, plain_class);
		free(a->root);
		a->root = xstrdup(o->local_dirs[i]);
		locks_dry(a, o->older_than, 1, NULL);
		prune_dry(a, 1);
		strbuf_release(&m);
	}

	a = area(u, "xet", o->xet);
	split_xet(a);
	prune_dry(a, 2);

	a = area(u, "assets", o->assets);
	tally_root(a, plain_class);
	a = area(u, "modules", o->modules);
	tally_root(a, plain_class);
	return 0;
}

void home_usage_release(struct home_usage *u)
{
	for (size_t i = 0; i < u->nr; i++) {
		struct home_area *a = &u->areas[i];

		for (size_t j = 0; j < a->nr; j++)
			free(a->parts[j].name);
		free(a->parts);
		free(a->root);
		free(a->prune_blocked);
	}
	free(u->areas);
	memset(u, 0, sizeof(*u));
}
