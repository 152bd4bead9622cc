/* Prune plans and their execution for the datasets cache, --local-dir
 * folders and the Xet cache (see home-prune.h). */
/* d_type (DT_*) is not POSIX: asked for by name (see make portability). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lock/lock.h"
#include "maint/home-prune.h"
#include "util/fsutil.h"
#include "util/strlist.h"
#include "util/xalloc.h"
#include "util/banned.h"

#if defined(__linux__) && !defined(ST_NOATIME)
#define ST_NOATIME 1024 /* glibc declares it only with _GNU_SOURCE */
#endif

static const char *const kind_names[HK_KIND_COUNT] = {
	"incomplete_download", "incomplete_build", "tmp_file",
	"orphan_json",	       "old_download",	   "old_extracted",
	"incomplete_file",     "tmp_file",	   "orphan_metadata",
	"shard_cache",	       "chunk_cache",	   "staging",
};

const char *home_kind_name(enum home_kind k)
{
	return k < HK_KIND_COUNT ? kind_names[k] : "unknown";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static char *join(const char *a, const char *b)
{
	if (!*b)
		return xstrdup(a);
	return *a ? xasprintf("%s/%s", a, b) : xstrdup(b);
}

static struct home_item *add(struct home_plan *p, enum home_kind k, char *path,
			     char *lock)
{
	struct home_item *it;

	ALLOC_GROW(p->items, p->nr + 1, p->alloc);
	it = &p->items[p->nr++];
	memset(it, 0, sizeof(*it));
	it->kind = k;
	it->path = path;
	it->lock = lock;
	return it;
}

static void keep(struct home_item *it, char *why)
{
	if (it->kept) {
		free(why);
		return;
	}
	it->kept = why;
}

/* Bytes, inodes and the newest use of a tree (links not followed). */
struct usage {
	uint64_t bytes, inodes;
	time_t used;
	bool noatime;
};

static time_t used_time(const struct stat *st, bool noatime)
{
	if (noatime || st->st_atime < st->st_mtime)
		return st->st_mtime;
	return st->st_atime;
}

static void usage_at(int at, const char *name, struct usage *u, int depth)
{
	struct stat st;
	struct fs_dir d;
	const struct fs_dirent *e;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	u->inodes++;
	/* A folder's atime moves when it is listed (by us too): not use. */
	if (S_ISDIR(st.st_mode)) {
		if (st.st_mtime > u->used)
			u->used = st.st_mtime;
	} else if (used_time(&st, u->noatime) > u->used) {
		u->used = used_time(&st, u->noatime);
	}
	if (S_ISREG(st.st_mode))
		u->bytes += (uint64_t)st.st_size;
	if (!S_ISDIR(st.st_mode) || depth > 64)
		return;
	fd = fs_opendir_at(at, name);
	if (fd < 0 || fs_dir_open(&d, fd, true) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = fs_dir_next(&d)))
		usage_at(d.fd, e->name, u, depth + 1);
	fs_dir_close(&d);
}

static bool mount_noatime(int fd)
{
#ifdef ST_NOATIME
	struct statvfs sv;

	return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOATIME);
#else
	(void)fd;
	return false;
#endif
}

/* A fresh listing descriptor of an open folder. */
static int reopen(int fd)
{
	return openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static bool list_start(struct fs_dir *d, int fd)
{
	int lfd = reopen(fd);

	if (lfd < 0)
		return false;
	if (fs_dir_open(d, lfd, true) < 0) {
		close(lfd);
		return false;
	}
	return true;
}

static bool is_dir_at(int at, const char *name, unsigned char type)
{
	struct stat st;

	if (type != DT_UNKNOWN)
		return type == DT_DIR;
	return fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/*
 * Probe a lock without keeping it: held (or a non-empty soft-lock marker)
 * is busy; a missing file is free (its writer creates it first).
 */
static bool lock_busy_at(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		return true;
	switch (lock_probe_at(dfd, name)) {
	case LOCK_FREE:
	case LOCK_MISSING:
		return false;
	default:
		return true;
	}
}

/* Any *.lock in folder fd held? Its name in *which. */
static bool any_lock_busy(int fd, char **which)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	bool busy = false;

	if (!list_start(&d, fd))
		return true; /* cannot tell: fail closed */
	while (!busy && (e = fs_dir_next(&d)))
		if (ends_with(e->name, ".lock") && lock_busy_at(fd, e->name)) {
			busy = true;
			if (which)
				*which = xstrdup(e->name);
		}
	fs_dir_close(&d);
	return busy;
}

/* -- datasets: which downloads built datasets refer to by path --------- */

static bool media_features(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_t *t = json_object_get(v, "_type");
		const char *s = json_string_value(t);

		if (s && (!strcmp(s, "Image") || !strcmp(s, "Audio") ||
			  !strcmp(s, "Video") || !strcmp(s, "Pdf") ||
			  !strcmp(s, "Nifti")))
			return true;
		json_object_foreach(v, key,
				    x) if (media_features(x)) return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) if (media_features(x)) return true;
	}
	return false;
}

static bool is_hex64(const char *s, size_t avail)
{
	return avail >= 64 && fs_is_hex(s, 64);
}

/*
 * Collect every "downloads/<64hex>" and "downloads/extracted/<64hex>" in
 * buf as the names they refer to.
 */
static void refs_in(const char *buf, size_t len, struct strlist *refs)
{
	static const char key[] = "downloads/";
	const char *p = buf, *end = buf + len;

	while ((p = memchr(p, 'd', (size_t)(end - p)))) {
		size_t left = (size_t)(end - p);

		if (left > 10 && !memcmp(p, key, 10)) {
			const char *q = p + 10;

			if ((size_t)(end - q) > 10 &&
			    !memcmp(q, "extracted/", 10))
				q += 10;
			if (is_hex64(q, (size_t)(end - q)))
				strlist_push_nodup(refs, xstrndup(q, 64));
		}
		p++;
	}
}

/* Search a file for download paths; -1 when it cannot be read. */
static int scan_file(int dfd, const char *name, struct strlist *refs)
{
	enum { CHUNK = 1 << 20, OVERLAP = 256 };
	char *buf;
	size_t have = 0;
	int fd = openat(dfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	buf = xmalloc(CHUNK + OVERLAP);
	for (;;) {
		ssize_t n = read(fd, buf + have, CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		refs_in(buf, have, refs);
		if (have > OVERLAP) {
			memmove(buf, buf + have - OVERLAP, OVERLAP);
			have = OVERLAP;
		}
	}
	free(buf);
	close(fd);
	return 0;
}

/*
 * A built dataset <hash>/: if its features hold local paths, add the
 * downloads its Arrow files name to refs. Returns -1 when it cannot be
 * checked.
 */
static int build_refs(int hfd, struct strlist *refs)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	struct fs_dir d;
	const struct fs_dirent *e;
	json_t *info;
	bool media;
	int ret = 0;

	if (fs_read_file_at(hfd, "dataset_info.json", false, 64 << 20, &sb,
			    &err) < 0) {
		strbuf_release(&sb);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	info = json_loadb(sb.buf, sb.len, 0, NULL);
	strbuf_release(&sb);
	if (!info)
		return -1;
	media = media_features(json_object_get(info, "features"));
	json_decref(info);
	if (!media)
		return 0;
	if (!list_start(&d, hfd))
		return -1;
	while ((e = fs_dir_next(&d)))
		if (ends_with(e->name, ".arrow") ||
		    ends_with(e->name, ".parquet"))
			if (scan_file(hfd, e->name, refs) < 0)
				ret = -1;
	fs_dir_close(&d);
	return ret;
}

/* tmp + 8 of [a-z0-9_]: tempfile.NamedTemporaryFile's names. */
static bool is_map_tmp(const char *n)
{
	if (strncmp(n, "tmp", 3) || strlen(n) != 11)
		return false;
	for (const char *c = n + 3; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '_'))
			return false;
	return true;
}

struct ds_walk {
	struct home_plan *p;
	const struct home_prune_opts *o;
	struct strlist refs; /* names built datasets refer to */
	char *doubt;	     /* a built dataset that could not be checked */
	char *referrer;	     /* first dataset with media features */
	bool noatime;
};

/* One <name>/<config>/<version>/ folder. */
static void ds_version(struct ds_walk *w, int vfd, const char *vd)
{
	struct fs_dir d;
	const struct fs_dirent *e;

	if (!list_start(&d, vfd))
		return;
	while ((e = fs_dir_next(&d))) {
		const char *n = e->name;

		if (!is_dir_at(vfd, n, e->type))
			continue;
		if (ends_with(n, ".incomplete")) {
			size_t len = strlen(n) - 11;
			char *h = xstrndup(n, len);
			struct usage u = { 0 };
			struct home_item *it;

			usage_at(vfd, n, &u, 0);
			it = add(w->p, HK_BUILD_INCOMPLETE, join(vd, n),
				 xasprintf("%s/%s_builder.lock", vd, h));
			it->bytes = u.bytes;
			it->inodes = u.inodes;
			if (lock_busy_at(vfd, strrchr(it->lock, '/') + 1))
				keep(it, xstrdup("build in progress "
						 "(builder lock held)"));
			free(h);
			continue;
		}
		/* A built dataset: tmp files of crashed map() runs. */
		int hfd = fs_opendir_at(vfd, n);
		struct fs_dir hd;
		const struct fs_dirent *he;
		char *hd_path = join(vd, n), *busy = NULL;
		bool locked = any_lock_busy(vfd, &busy);

		if (hfd < 0) {
			free(hd_path);
			continue;
		}
		if (list_start(&hd, hfd)) {
			while ((he = fs_dir_next(&hd))) {
				struct stat st;
				struct home_item *it;

				if (!is_map_tmp(he->name) ||
				    fstatat(hfd, he->name, &st,
					    AT_SYMLINK_NOFOLLOW) < 0 ||
				    !S_ISREG(st.st_mode))
					continue;
				it = add(w->p, HK_TMP, join(hd_path, he->name),
					 xstrdup(vd));
				it->lock_folder = true;
				it->bytes = (uint64_t)st.st_size;
				it->inodes = 1;
				if (locked)
					keep(it, xasprintf("%s/%s is held", vd,
							   busy));
				else if (w->o->now - st.st_mtime <
					 w->o->tmp_min_age)
					keep(it, xstrdup("written recently"));
			}
			fs_dir_close(&hd);
		}
		if (w->o->older_than >= 0) {
			size_t before = w->refs.nr;
			int r = build_refs(hfd, &w->refs);

			if (r < 0 && !w->doubt)
				w->doubt = xstrdup(hd_path);
			if (w->refs.nr > before && !w->referrer)
				w->referrer = xstrdup(hd_path);
		}
		free(busy);
		free(hd_path);
		close(hfd);
	}
	fs_dir_close(&d);
}

/* Call fn on every <name>/<config>/<version>/ folder of the cache. */
static void each_version(int rfd, void (*fn)(int, const char *, void *),
			 void *arg)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	struct strlist names = STRLIST_INIT;

	if (!list_start(&d, rfd))
		return;
	while ((e = fs_dir_next(&d)))
		if (strcmp(e->name, "downloads") &&
		    is_dir_at(rfd, e->name, e->type))
			strlist_push(&names, e->name);
	fs_dir_close(&d);
	strlist_sort(&names);
	for (size_t i = 0; i < names.nr; i++) {
		int nfd = fs_opendir_at(rfd, names.items[i]);
		struct fs_dir cd;
		const struct fs_dirent *ce;

		if (nfd < 0 || !list_start(&cd, nfd)) {
			if (nfd >= 0)
				close(nfd);
			continue;
		}
		while ((ce = fs_dir_next(&cd))) {
			int cfd = fs_opendir_at(nfd, ce->name);
			struct fs_dir vd;
			const struct fs_dirent *ve;
			char *cpath = join(names.items[i], ce->name);

			if (cfd >= 0 && list_start(&vd, cfd)) {
				while ((ve = fs_dir_next(&vd))) {
					int vfd = fs_opendir_at(cfd, ve->name);
					char *vpath = join(cpath, ve->name);

					if (vfd >= 0) {
						fn(vfd, vpath, arg);
						close(vfd);
					}
					free(vpath);
				}
				fs_dir_close(&vd);
			}
			if (cfd >= 0)
				close(cfd);
			free(cpath);
		}
		fs_dir_close(&cd);
		close(nfd);
	}
	strlist_clear(&names);
}

/* Is a *_builder.lock in folder fd held? Its name in *which. */
static bool builder_busy(int fd, char **which)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	bool busy = false;

	if (!list_start(&d, fd))
		return false;
	while (!busy && (e = fs_dir_next(&d)))
		if (ends_with(e->name, "_builder.lock") &&
		    lock_busy_at(fd, e->name)) {
			busy = true;
			*which = xstrdup(e->name);
		}
	fs_dir_close(&d);
	return busy;
}

static void ds_version_cb(int vfd, const char *vpath, void *arg)
{
	struct ds_walk *w = arg;
	char *busy = NULL;

	/* Any held builder lock blocks age-based pruning. */
	if (!w->p->blocked && builder_busy(vfd, &busy))
		w->p->blocked = join(vpath, busy);
	free(busy);
	ds_version(w, vfd, vpath);
}

static void ds_builds(struct ds_walk *w, int rfd)
{
	each_version(rfd, ds_version_cb, w);
}

static int cmp_prefix64(const void *a, const void *b)
{
	return strncmp(*(char *const *)a, *(char *const *)b, 64);
}

/* Does a built dataset refer to download (or extraction) name? */
static bool name_referenced(const struct ds_walk *w, const char *name)
{
	return strlen(name) >= 64 && fs_is_hex(name, 64) && w->refs.nr &&
	       bsearch(&name, w->refs.items, w->refs.nr, sizeof(char *),
		       cmp_prefix64) != NULL;
}

/* Age-based candidates stay when a build runs, a dataset needs them, or a
 * dataset could not be checked. */
static void judge_old(struct ds_walk *w, struct home_item *it, const char *name,
		      time_t used)
{
	long long age = (long long)(w->o->now - used);

	if (age < w->o->older_than)
		keep(it, xstrdup("used recently"));
	else if (w->p->blocked)
		keep(it, xasprintf("a datasets build is running (%s held)",
				   w->p->blocked));
	else if (w->doubt)
		keep(it, xasprintf("cannot check what %s uses", w->doubt));
	else if (name_referenced(w, name))
		keep(it, xasprintf("a built dataset uses it by path (%s)",
				   w->referrer ? w->referrer : "?"));
}

static bool has_suffix_name(const char *n)
{
	return ends_with(n, ".lock") || ends_with(n, ".json") ||
	       ends_with(n, ".incomplete");
}

static void ds_downloads(struct ds_walk *w, int dl)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	bool old = w->o->older_than >= 0;

	if (!list_start(&d, dl))
		return;
	while ((e = fs_dir_next(&d))) {
		const char *n = e->name;
		struct stat st, sib;
		struct home_item *it;

		if (!strcmp(n, "extracted") ||
		    fstatat(dl, n, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue; /* links, FIFOs, folders: never touched */
		if (ends_with(n, ".incomplete")) {
			char *f = xstrndup(n, strlen(n) - 11);

			it = add(w->p, HK_DL_INCOMPLETE, join("downloads", n),
				 xasprintf("downloads/%s.lock", f));
			it->bytes = (uint64_t)st.st_size;
			it->inodes = 1;
			if (lock_busy_at(dl, strrchr(it->lock, '/') + 1))
				keep(it, xstrdup("download in progress "
						 "(lock held)"));
			free(f);
		} else if (ends_with(n, ".json")) {
			char *f = xstrndup(n, strlen(n) - 5);

			if (fstatat(dl, f, &sib, AT_SYMLINK_NOFOLLOW) < 0 &&
			    errno == ENOENT) {
				it = add(w->p, HK_ORPHAN_JSON,
					 join("downloads", n),
					 xasprintf("downloads/%s.lock", f));
				it->bytes = (uint64_t)st.st_size;
				it->inodes = 1;
				if (lock_busy_at(dl,
						 strrchr(it->lock, '/') + 1))
					keep(it, xstrdup("download in progress "
							 "(lock held)"));
			}
			free(f);
		} else if (old && !has_suffix_name(n)) {
			char *json = xasprintf("%s.json", n);

			it = add(w->p, HK_OLD_DOWNLOAD, join("downloads", n),
				 xasprintf("downloads/%s.lock", n));
			it->bytes = (uint64_t)st.st_size;
			it->inodes = 1;
			if (fstatat(dl, json, &sib, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(sib.st_mode)) {
				it->bytes += (uint64_t)sib.st_size;
				it->inodes++;
			}
			free(json);
			judge_old(w, it, n, used_time(&st, w->noatime));
			if (!it->kept &&
			    lock_busy_at(dl, strrchr(it->lock, '/') + 1))
				keep(it, xstrdup("in use (lock held)"));
		}
	}
	fs_dir_close(&d);
}

static void ds_extracted(struct ds_walk *w, int ex)
{
	struct fs_dir d;
	const struct fs_dirent *e;

	if (!list_start(&d, ex))
		return;
	while ((e = fs_dir_next(&d))) {
		const char *n = e->name;
		struct stat st;
		struct usage u = { 0 };
		struct home_item *it;

		if (ends_with(n, ".lock") ||
		    fstatat(ex, n, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		u.noatime = w->noatime;
		usage_at(ex, n, &u, 0);
		it = add(w->p, HK_OLD_EXTRACTED, join("downloads/extracted", n),
			 xasprintf("downloads/extracted/%s.lock", n));
		it->bytes = u.bytes;
		it->inodes = u.inodes;
		judge_old(w, it, n, u.used);
		if (!it->kept && lock_busy_at(ex, strrchr(it->lock, '/') + 1))
			keep(it, xstrdup("being extracted (lock held)"));
	}
	fs_dir_close(&d);
}

static void plan_totals(struct home_plan *p)
{
	p->bytes = p->inodes = 0;
	p->going = p->kept = 0;
	for (size_t i = 0; i < p->nr; i++) {
		const struct home_item *it = &p->items[i];

		if (it->kept) {
			p->kept++;
		} else {
			p->going++;
			p->bytes += it->bytes;
			p->inodes += it->inodes;
		}
	}
}

int home_prune_datasets_plan(const char *root, const struct home_prune_opts *o,
			     struct home_plan *p, struct strbuf *err)
{
	struct ds_walk w = { .p = p, .o = o, .refs = STRLIST_INIT };
	int rfd, dl, ex;

	memset(p, 0, sizeof(*p));
	p->root = xstrdup(root);
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, "cannot open '%s': %s", root,
				 strerror(errno));
	}
	w.noatime = mount_noatime(rfd);
	/* Builds first: what they hold and use decides about downloads. */
	ds_builds(&w, rfd);
	strlist_sort(&w.refs);
	dl = fs_opendir_at(rfd, "downloads");
	if (dl >= 0) {
		ds_downloads(&w, dl);
		if (o->older_than >= 0) {
			ex = fs_opendir_at(dl, "extracted");
			if (ex >= 0) {
				ds_extracted(&w, ex);
				close(ex);
			}
		}
		close(dl);
	}
	close(rfd);
	plan_totals(p);
	strlist_clear(&w.refs);
	free(w.doubt);
	free(w.referrer);
	return 0;
}

/* -- --local-dir folders ----------------------------------------------- */

/* huggingface_hub's _short_hash: urlsafe base64 of sha1(name). */
static char *short_hash(const char *name)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
				  "rstuvwxyz0123456789-_";
	unsigned char md[20];
	unsigned int len = 0;
	struct strbuf sb = STRBUF_INIT;

	EVP_Digest(name, strlen(name), md, &len, EVP_sha1(), NULL);
	for (size_t i = 0; i < 20; i += 3) {
		unsigned v = (unsigned)md[i] << 16;
		size_t n = 20 - i < 3 ? 20 - i : 3;

		if (n > 1)
			v |= (unsigned)md[i + 1] << 8;
		if (n > 2)
			v |= md[i + 2];
		strbuf_addch(&sb, b64[(v >> 18) & 63]);
		strbuf_addch(&sb, b64[(v >> 12) & 63]);
		strbuf_addch(&sb, n > 1 ? b64[(v >> 6) & 63] : '=');
		strbuf_addch(&sb, n > 2 ? b64[v & 63] : '=');
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * The lock that owns download/<sub>/<hash>.<etag>[.<8hex>].incomplete:
 * <sub>/<X>.lock with short_hash(X + ".metadata") == <hash>, looked for
 * among the .lock and .metadata names of the folder. NULL if none.
 */
static char *incomplete_owner(int fd, const char *incomplete)
{
	const char *dot = strchr(incomplete, '.');
	size_t hlen = dot ? (size_t)(dot - incomplete) : 0;
	struct fs_dir d;
	const struct fs_dirent *e;
	char *owner = NULL;

	if (!hlen || !list_start(&d, fd))
		return NULL;
	while (!owner && (e = fs_dir_next(&d))) {
		size_t cut = ends_with(e->name, ".lock")       ? 5
			     : ends_with(e->name, ".metadata") ? 9
							       : 0;
		char *x, *meta, *h;

		if (!cut)
			continue;
		x = xstrndup(e->name, strlen(e->name) - cut);
		meta = xasprintf("%s.metadata", x);
		h = short_hash(meta);
		if (strlen(h) == hlen && !memcmp(h, incomplete, hlen))
			owner = xasprintf("%s.lock", x);
		free(h);
		free(meta);
		free(x);
	}
	fs_dir_close(&d);
	return owner;
}

struct ld_walk {
	struct home_plan *p;
	const struct home_prune_opts *o;
	int dir; /* DIR */
};

static void ld_folder(struct ld_walk *w, int fd, const char *sub, int depth)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	struct strlist subs = STRLIST_INIT;
	char *base = join(".cache/huggingface/download", sub);

	if (depth > 64 || !list_start(&d, fd)) {
		free(base);
		return;
	}
	while ((e = fs_dir_next(&d))) {
		const char *n = e->name;
		struct stat st;
		struct home_item *it;

		if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			strlist_push(&subs, n);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (ends_with(n, ".incomplete")) {
			char *owner = incomplete_owner(fd, n);

			it = add(w->p, HK_LD_INCOMPLETE, join(base, n),
				 owner ? join(base, owner) : xstrdup(base));
			it->lock_folder = !owner;
			it->bytes = (uint64_t)st.st_size;
			it->inodes = 1;
			if (owner ? lock_busy_at(fd, owner)
				  : any_lock_busy(fd, NULL))
				keep(it, xstrdup("download in progress "
						 "(lock held)"));
			else if (w->o->now - st.st_mtime < w->o->tmp_min_age)
				keep(it, xstrdup("written recently"));
			free(owner);
		} else if (!strncmp(n, "tmp_", 4)) {
			it = add(w->p, HK_LD_TMP, join(base, n), xstrdup(base));
			it->lock_folder = true;
			it->bytes = (uint64_t)st.st_size;
			it->inodes = 1;
			if (any_lock_busy(fd, NULL))
				keep(it, xstrdup("download in progress "
						 "(lock held)"));
			else if (w->o->now - st.st_mtime < w->o->tmp_min_age)
				keep(it, xstrdup("written recently"));
		} else if (ends_with(n, ".metadata")) {
			char *x = xstrndup(n, strlen(n) - 9);
			char *target = join(sub, x);
			struct stat tst;
			int tfd = -1;
			char *slash = strrchr(target, '/');

			/* Is DIR/<sub>/<x> still there? Never follow links. */
			if (slash) {
				*slash = '\0';
				tfd = fs_open_path_at(w->dir, target,
						      O_RDONLY | O_DIRECTORY);
				*slash = '/';
			} else {
				tfd = dup(w->dir);
			}
			if (tfd < 0 && errno != ENOENT) {
				free(x);
				free(target);
				continue; /* cannot tell: keep quietly */
			}
			if (tfd < 0 ||
			    (fstatat(tfd, slash ? slash + 1 : target, &tst,
				     AT_SYMLINK_NOFOLLOW) < 0 &&
			     errno == ENOENT)) {
				char *lock = xasprintf("%s.lock", x);

				it = add(w->p, HK_LD_METADATA, join(base, n),
					 join(base, lock));
				it->bytes = (uint64_t)st.st_size;
				it->inodes = 1;
				if (lock_busy_at(fd, lock))
					keep(it, xstrdup("in use (lock held)"));
				free(lock);
			}
			if (tfd >= 0)
				close(tfd);
			free(x);
			free(target);
		}
	}
	fs_dir_close(&d);
	strlist_sort(&subs);
	for (size_t i = 0; i < subs.nr; i++) {
		int sfd = fs_opendir_at(fd, subs.items[i]);
		char *ss = join(sub, subs.items[i]);

		if (sfd >= 0) {
			ld_folder(w, sfd, ss, depth + 1);
			close(sfd);
		}
		free(ss);
	}
	strlist_clear(&subs);
	free(base);
}

int home_prune_local_dir_plan(const char *dir, const struct home_prune_opts *o,
			      struct home_plan *p, struct strbuf *err)
{
	struct ld_walk w = { .p = p, .o = o };
	int dfd;

	memset(p, 0, sizeof(*p));
	p->root = xstrdup(dir);
	w.dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.dir < 0)
		return error_set(err, "cannot open '%s': %s", dir,
				 strerror(errno));
	dfd = fs_open_path_at(w.dir, ".cache/huggingface",
			      O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		close(w.dir);
		return error_set(err,
				 "'%s' has no .cache/huggingface folder "
				 "(not an hf download --local-dir folder)",
				 dir);
	}
	close(dfd);
	dfd = fs_open_path_at(w.dir, ".cache/huggingface/download",
			      O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		ld_folder(&w, dfd, "", 0);
		close(dfd);
	}
	close(w.dir);
	plan_totals(p);
	return 0;
}

/* -- Xet --------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/*
 * xet_<YYYYMMDDTHHMMSSmmm±HHMM>_<pid>.log -> the time (UTC seconds) and
 * pid; false for any other name.
 */
static bool parse_xet_log(const char *n, time_t *t, long *pid)
{
	unsigned Y, M, D, h, m, s, ms, oh, om;
	char sign;
	int end = 0;
	long long secs;
	char *stop;

	if (strncmp(n, "xet_", 4) || !ends_with(n, ".log"))
		return false;
	if (sscanf(n + 4, "%4u%2u%2uT%2u%2u%2u%3u%c%2u%2u_%n", &Y, &M, &D, &h,
		   &m, &s, &ms, &sign, &oh, &om, &end) != 10 ||
	    !end || (sign != '+' && sign != '-') || M < 1 || M > 12 || D < 1 ||
	    D > 31)
		return false;
	*pid = strtol(n + 4 + end, &stop, 10);
	if (stop == n + 4 + end || strcmp(stop, ".log") || *pid <= 0)
		return false;
	secs = days_from_civil(Y, M, D) * 86400LL + h * 3600 + m * 60 + s;
	secs -= (sign == '+' ? 1 : -1) * (long long)(oh * 3600 + om * 60);
	*t = (time_t)secs;
	return true;
}

#ifdef __linux__
/* When process pid started (UTC seconds), or -1 if it does not exist. */
static time_t pid_start(long pid)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	char *path = xasprintf("/proc/%ld/stat", pid);
	unsigned long long ticks = 0, btime = 0;
	const char *p;
	time_t ret = -1;
	int field = 2;

	if (fs_read_file_at(AT_FDCWD, path, true, 4096, &sb, &err) < 0)
		goto out;
	/* Field 2 (comm) may hold spaces: count from its closing paren. */
	p = strrchr(sb.buf, ')');
	for (; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (!p || sscanf(p, "%llu", &ticks) != 1)
		goto out;
	strbuf_reset(&sb);
	if (fs_read_file_at(AT_FDCWD, "/proc/stat", true, 1 << 20, &sb, &err) <
	    0)
		goto out;
	p = strstr(sb.buf, "\nbtime ");
	if (!p || sscanf(p + 7, "%llu", &btime) != 1)
		goto out;
	ret = (time_t)(btime +
		       ticks / (unsigned long long)sysconf(_SC_CLK_TCK));
out:
	free(path);
	strbuf_release(&sb);
	strbuf_release(&err);
	return ret;
}
#endif

/*
 * xet's own rule: a log names a live hf_xet process when its pid runs and
 * started no later than the log's time (a reused pid started after).
 */
static char *xet_live(int rfd)
{
	int lfd = fs_opendir_at(rfd, "logs");
	struct fs_dir d;
	const struct fs_dirent *e;
	char *live = NULL;

	if (lfd < 0 || fs_dir_open(&d, lfd, true) < 0) {
		if (lfd >= 0)
			close(lfd);
		return NULL;
	}
	while (!live && (e = fs_dir_next(&d))) {
		time_t t;
		long pid;

		if (!parse_xet_log(e->name, &t, &pid))
			continue;
#ifdef __linux__
		time_t st = pid_start(pid);

		if (st >= 0 && st <= t + 1)
			live = xasprintf("hf_xet process %ld is running "
					 "(logs/%s)",
					 pid, e->name);
#else
		live = xasprintf("cannot tell whether hf_xet process %ld "
				 "is running (logs/%s)",
				 pid, e->name);
#endif
	}
	fs_dir_close(&d);
	return live;
}

static enum home_kind xet_part(const char *n, bool *known)
{
	*known = true;
	if (!strcmp(n, "shard-cache") || !strcmp(n, "shard_cache"))
		return HK_XET_SHARD;
	if (!strcmp(n, "chunk-cache") || !strcmp(n, "chunk_cache"))
		return HK_XET_CHUNK;
	if (!strcmp(n, "staging"))
		return HK_XET_STAGING;
	*known = false;
	return HK_KIND_COUNT;
}

/* A recent staging/shard-session/.tmp* folder: an upload is running. */
static bool staging_active(int efd, const struct home_prune_opts *o)
{
	int sfd = fs_open_path_at(efd, "staging/shard-session",
				  O_RDONLY | O_DIRECTORY);
	struct fs_dir d;
	const struct fs_dirent *e;
	bool active = false;

	if (sfd < 0 || fs_dir_open(&d, sfd, true) < 0) {
		if (sfd >= 0)
			close(sfd);
		return false;
	}
	while (!active && (e = fs_dir_next(&d))) {
		struct stat st;

		if (!strncmp(e->name, ".tmp", 4) &&
		    fstatat(d.fd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode) &&
		    o->now - st.st_mtime < o->tmp_min_age)
			active = true;
	}
	fs_dir_close(&d);
	return active;
}

int home_prune_xet_plan(const char *root, const struct home_prune_opts *o,
			struct home_plan *p, struct strbuf *err)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	int rfd;

	memset(p, 0, sizeof(*p));
	p->root = xstrdup(root);
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, "cannot open '%s': %s", root,
				 strerror(errno));
	}
	p->blocked = xet_live(rfd);
	if (!list_start(&d, rfd)) {
		close(rfd);
		return error_set(err, "cannot read '%s': %s", root,
				 strerror(errno));
	}
	while ((e = fs_dir_next(&d))) {
		int efd;
		struct fs_dir pd;
		const struct fs_dirent *pe;
		bool uploading;

		if (!strcmp(e->name, "logs") || !strcmp(e->name, "memory"))
			continue;
		efd = fs_opendir_at(rfd, e->name);
		if (efd < 0)
			continue;
		uploading = staging_active(efd, o);
		if (list_start(&pd, efd)) {
			while ((pe = fs_dir_next(&pd))) {
				bool known;
				enum home_kind k = xet_part(pe->name, &known);
				struct usage u = { 0 };
				struct home_item *it;

				if (!known ||
				    !is_dir_at(efd, pe->name, pe->type))
					continue;
				usage_at(efd, pe->name, &u, 0);
				if (u.inodes <= 1)
					continue; /* empty already */
				it = add(p, k,
					 xasprintf("%s/%s", e->name, pe->name),
					 NULL);
				it->bytes = u.bytes;
				it->inodes =
					u.inodes - 1; /* the folder stays */
				if (p->blocked)
					keep(it, xstrdup(p->blocked));
				else if (k == HK_XET_STAGING && !o->xet_staging)
					keep(it,
					     xstrdup("upload resume state "
						     "(--staging to remove)"));
				else if (uploading)
					keep(it,
					     xstrdup("an upload is running "
						     "(recent staging/"
						     "shard-session/.tmp*)"));
			}
			fs_dir_close(&pd);
		}
		close(efd);
	}
	fs_dir_close(&d);
	close(rfd);
	plan_totals(p);
	return 0;
}

/* -- execution --------------------------------------------------------- */

struct held {
	int *fd;
	size_t nr, alloc;
};

static void held_release(struct held *h)
{
	for (size_t i = 0; i < h->nr; i++) {
		flock(h->fd[i], LOCK_UN);
		close(h->fd[i]);
	}
	h->nr = 0;
}

/*
 * Take lock file name under dfd without blocking, creating it when it is
 * missing as its writer would. Returns the descriptor, or -1 (busy or
 * cannot be taken).
 */
static int take_lock(int dfd, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_size > 0)
			return -1; /* soft-lock marker or not a lock */
	} else if (errno == ENOENT) {
		fd = openat(dfd, name,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0666);
		if (fd >= 0)
			close(fd);
	}
	if (lock_take_at(dfd, name, &fd) != LOCK_FREE)
		return -1;
	return fd;
}

/* Take every *.lock in folder fd; false (none kept) if any is busy. */
static bool take_folder(int fd, struct held *h)
{
	struct fs_dir d;
	const struct fs_dirent *e;
	bool ok = true;

	if (!list_start(&d, fd))
		return false;
	while (ok && (e = fs_dir_next(&d))) {
		int lfd;

		if (!ends_with(e->name, ".lock"))
			continue;
		if (lock_busy_at(fd, e->name) ||
		    (lfd = take_lock(fd, e->name)) < 0) {
			ok = false;
			break;
		}
		ALLOC_GROW(h->fd, h->nr + 1, h->alloc);
		h->fd[h->nr++] = lfd;
	}
	fs_dir_close(&d);
	if (!ok)
		held_release(h);
	return ok;
}

/* Open the folder of a relative path; *base points at its last part. */
static int open_parent(int rfd, char *path, const char **base)
{
	char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		*base = path;
		return reopen(rfd);
	}
	*slash = '\0';
	fd = fs_open_path_at(rfd, path, O_RDONLY | O_DIRECTORY);
	*slash = '/';
	*base = slash + 1;
	return fd;
}

/* Take what guards item it; false if it is in use. */
static bool guard(int rfd, struct home_item *it, struct held *h)
{
	const char *base;
	int dfd, lfd;
	bool ok;

	if (!it->lock)
		return true;
	if (it->lock_folder) {
		dfd = fs_open_path_at(rfd, it->lock, O_RDONLY | O_DIRECTORY);
		ok = dfd >= 0 && take_folder(dfd, h);
		if (dfd >= 0)
			close(dfd);
		return ok;
	}
	dfd = open_parent(rfd, it->lock, &base);
	if (dfd < 0)
		return false;
	lfd = take_lock(dfd, base);
	close(dfd);
	if (lfd < 0)
		return false;
	ALLOC_GROW(h->fd, h->nr + 1, h->alloc);
	h->fd[h->nr++] = lfd;
	return true;
}

/* Is it still what the plan saw? (checked under its lock) */
static const char *still_true(int dfd, const char *base,
			      const struct home_item *it,
			      const struct home_prune_opts *o)
{
	struct stat st;
	struct usage u = { 0 };

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return "gone already";
	switch (it->kind) {
	case HK_ORPHAN_JSON: {
		char *f = xstrndup(base, strlen(base) - 5);
		bool back = fstatat(dfd, f, &st, AT_SYMLINK_NOFOLLOW) == 0;

		free(f);
		return back ? "its file is back" : NULL;
	}
	case HK_OLD_DOWNLOAD:
	case HK_OLD_EXTRACTED:
		u.noatime = mount_noatime(dfd);
		usage_at(dfd, base, &u, 0);
		return o->now - u.used < o->older_than ? "used recently" : NULL;
	case HK_TMP:
	case HK_LD_TMP:
	case HK_LD_INCOMPLETE:
		return o->now - st.st_mtime < o->tmp_min_age
			       ? "written recently"
			       : NULL;
	default:
		return NULL;
	}
}

/* Remove what a Xet part folder holds; the folder itself stays. */
static int empty_folder(int dfd, const char *name, const char *display,
			struct strbuf *err)
{
	int fd = fs_opendir_at(dfd, name);
	struct fs_dir d;
	const struct fs_dirent *e;
	int ret = 0;

	if (fd < 0 || fs_dir_open(&d, fd, true) < 0) {
		if (fd >= 0)
			close(fd);
		return error_set(err, "cannot open '%s': %s", display,
				 strerror(errno));
	}
	while (ret == 0 && (e = fs_dir_next(&d)))
		ret = fs_remove_tree_at(d.fd, e->name, display, err);
	fs_dir_close(&d);
	return ret;
}

/* Every *_builder.lock of the cache, held for the age-based removals. */
static void take_builder(int vfd, const char *vpath, void *arg)
{
	struct held *h = arg;
	struct fs_dir d;
	const struct fs_dirent *e;

	(void)vpath;
	if (h->alloc == (size_t)-1 || !list_start(&d, vfd))
		return;
	while ((e = fs_dir_next(&d))) {
		int fd;

		if (!ends_with(e->name, "_builder.lock"))
			continue;
		if (lock_busy_at(vfd, e->name) ||
		    (fd = take_lock(vfd, e->name)) < 0) {
			held_release(h);
			free(h->fd);
			h->fd = NULL;
			h->alloc = (size_t)-1; /* busy */
			break;
		}
		ALLOC_GROW(h->fd, h->nr + 1, h->alloc);
		h->fd[h->nr++] = fd;
	}
	fs_dir_close(&d);
}

static bool is_aged(const struct home_item *it)
{
	return it->kind == HK_OLD_DOWNLOAD || it->kind == HK_OLD_EXTRACTED;
}

/* Remove one item under its lock(s), checked again first. */
static void execute_one(int rfd, struct home_item *it,
			const struct home_prune_opts *o)
{
	struct held h = { 0 };
	struct strbuf e = STRBUF_INIT;
	const char *base, *why;
	int dfd;

	if (!guard(rfd, it, &h)) {
		keep(it, xstrdup("in use (lock held)"));
		free(h.fd);
		return;
	}
	dfd = open_parent(rfd, it->path, &base);
	if (dfd < 0) {
		keep(it,
		     xasprintf("cannot open its folder: %s", strerror(errno)));
	} else if ((why = still_true(dfd, base, it, o))) {
		keep(it, xstrdup(why));
	} else if (it->kind >= HK_XET_SHARD) {
		if (empty_folder(dfd, base, it->path, &e) < 0)
			keep(it, strbuf_detach(&e, NULL));
		else
			it->done = true;
	} else if (fs_remove_tree_at(dfd, base, it->path, &e) < 0) {
		keep(it, strbuf_detach(&e, NULL));
	} else {
		it->done = true;
		if (it->kind == HK_OLD_DOWNLOAD) {
			char *json = xasprintf("%s.json", base);

			unlinkat(dfd, json, 0);
			free(json);
		}
	}
	if (dfd >= 0)
		close(dfd);
	held_release(&h);
	free(h.fd);
	strbuf_release(&e);
}

int home_prune_execute(struct home_plan *p, const struct home_prune_opts *o,
		       struct strbuf *err)
{
	struct held builders = { 0 };
	bool aged = false;
	int rfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rfd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, "cannot open '%s': %s", p->root,
				 strerror(errno));
	}
	/* Crash leftovers first, each under its own lock. */
	for (size_t i = 0; i < p->nr; i++) {
		if (p->items[i].kept)
			continue;
		if (is_aged(&p->items[i]))
			aged = true;
		else
			execute_one(rfd, &p->items[i], o);
	}
	if (aged) {
		/*
		 * Then what is merely old, while every builder lock of the
		 * cache is ours: no build may start and pick these up.
		 */
		each_version(rfd, take_builder, &builders);
		for (size_t i = 0; i < p->nr; i++) {
			struct home_item *it = &p->items[i];

			if (it->kept || !is_aged(it))
				continue;
			if (builders.alloc == (size_t)-1)
				keep(it, xstrdup("a datasets build started"));
			else
				execute_one(rfd, it, o);
		}
		if (builders.alloc != (size_t)-1) {
			held_release(&builders);
			free(builders.fd);
		}
	}
	close(rfd);
	plan_totals(p);
	return 0;
}

void home_plan_release(struct home_plan *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->items[i].path);
		free(p->items[i].lock);
		free(p->items[i].kept);
	}
	free(p->items);
	free(p->root);
	free(p->blocked);
	memset(p, 0, sizeof(*p));
}
