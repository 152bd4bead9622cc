/* Cache root resolution, repo enumeration and the folder-name codec. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"
#include "util/fsutil.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* os.path.join(dir, name) for a relative name: no '/' after "" or "x/". */
const char *cache_root_source(const char *override)
{
	if (override)
		return "--cache-dir";
	if (getenv("HF_HUB_CACHE"))
		return "HF_HUB_CACHE";
	if (getenv("HUGGINGFACE_HUB_CACHE"))
		return "HUGGINGFACE_HUB_CACHE";
	if (getenv("HF_HOME"))
		return "HF_HOME";
	if (getenv("XDG_CACHE_HOME"))
		return "XDG_CACHE_HOME";
	return "default";
}

int cache_root_find(const char *override, struct strbuf *out,
		    struct strbuf *err)
{
	struct strbuf hf_home = STRBUF_INIT, raw = STRBUF_INIT;
	const char *v;

	(void)err;
	if (override) {
		path_expand(override, &raw);
		goto done;
	}
	v = getenv("HF_HOME");
	if (v) {
		path_expand(v, &hf_home);
	} else {
		/* join(getenv("XDG_CACHE_HOME", join(~, ".cache")), ...) */
		v = getenv("XDG_CACHE_HOME");
		if (v) {
			strbuf_addstr(&hf_home, v);
		} else {
			path_expand_user("~", &hf_home);
			path_join(&hf_home, ".cache");
		}
		path_join(&hf_home, "huggingface");
		/* expandvars(expanduser()) applies to the default too. */
		struct strbuf t = STRBUF_INIT;
		path_expand(hf_home.buf, &t);
		strbuf_release(&hf_home);
		hf_home = t;
	}
	if ((v = getenv("HF_HUB_CACHE"))) {
		path_expand(v, &raw);
	} else if ((v = getenv("HUGGINGFACE_HUB_CACHE"))) {
		path_expand(v, &raw);
	} else {
		/* os.path.join("", "hub") is the relative "hub". */
		strbuf_add(&raw, hf_home.buf, hf_home.len);
		path_join(&raw, "hub");
	}
done:
	strbuf_reset(out);
	if (raw.buf[0] != '/') {
		/* Path("").resolve() is the current directory. */
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			strbuf_addstr(out, cwd);
			free(cwd);
		}
		if (raw.len)
			strbuf_addf(out, "/%s", raw.buf);
	} else {
		strbuf_addstr(out, raw.buf);
	}
	while (out->len > 1 && out->buf[out->len - 1] == '/')
		strbuf_setlen(out, out->len - 1);
	/* Derive every path from the real path, as huggingface_hub does. */
	char *real = realpath(out->buf, NULL);
	if (real) {
		strbuf_reset(out);
		strbuf_addstr(out, real);
		free(real);
	}
	strbuf_release(&hf_home);
	strbuf_release(&raw);
	return 0;
}

int cache_open(struct cache *c, const char *root, struct strbuf *err)
{
	struct stat st;

	c->root = xstrdup(root);
	c->fd = -1;
	c->shared = false;
	c->source = NULL;
	if (stat(root, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, "cannot access cache '%s': %s", root,
				 strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return error_set(err, "cache '%s' is not a directory", root);
	c->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->fd < 0)
		return error_set(err, "cannot open cache '%s': %s", root,
				 strerror(errno));
	c->shared = (st.st_mode & (S_ISGID | S_IWGRP)) != 0;
	return 0;
}

int cache_open_default(struct cache *c, const char *override,
		       struct strbuf *err)
{
	struct strbuf root = STRBUF_INIT;
	int ret;

	c->root = NULL;
	c->fd = -1;
	c->source = NULL;
	if (cache_root_find(override, &root, err) < 0) {
		strbuf_release(&root);
		return -1;
	}
	ret = cache_open(c, root.buf, err);
	c->source = cache_root_source(override);
	strbuf_release(&root);
	return ret;
}

void cache_close(struct cache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	FREE_AND_NULL(c->root);
}

/* mkdir -p for the cache root itself (an absolute or relative path). */
static int make_root(const char *root, struct strbuf *err)
{
	char *p = xstrdup(root);
	int ret = 0;

	/* Each parent at its '/', then the whole path at its end. */
	for (char *s = *p ? p + 1 : p; !ret; s++) {
		char c = *s;

		if (c && c != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			ret = error_set(err, "cannot create '%s': %s", p,
					strerror(errno));
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

int cache_create_root(struct cache *c, struct strbuf *err)
{
	const char *source = c->source;
	char *root;
	int ret;

	if (c->fd >= 0)
		return 0;
	root = xstrdup(c->root);
	cache_close(c);
	ret = make_root(root, err) < 0 || cache_open(c, root, err) < 0 ? -1 : 0;
	c->source = source;
	free(root);
	return ret;
}

struct folder_key {
	char *name; /* the repo id the folder encodes */
	char *folder;
};

static int cmp_by_name(const void *a, const void *b)
{
	/* Folders sort by the id they encode: "--" sorts as "/". */
	const struct folder_key *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : strcmp(x->folder, y->folder);
}

/* Decode every name once, then sort (not twice per comparison). */
static void sort_folders(struct strlist *folders)
{
	struct folder_key *keys;

	if (folders->nr < 2)
		return;
	keys = xcalloc(folders->nr, sizeof(*keys));
	for (size_t i = 0; i < folders->nr; i++) {
		keys[i].folder = folders->items[i];
		keys[i].name = cache_folder_to_name(folders->items[i]);
		if (!keys[i].name)
			keys[i].name = xstrdup(folders->items[i]);
	}
	qsort(keys, folders->nr, sizeof(*keys), cmp_by_name);
	for (size_t i = 0; i < folders->nr; i++) {
		folders->items[i] = keys[i].folder;
		free(keys[i].name);
	}
	free(keys);
}

/* Repo folders at the cache root: models-- only, or every repo type. */
static int root_folders(struct cache *c, bool every_type,
			struct strlist *folders, struct strbuf *err)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if (c->fd < 0)
		return 0;
	fd = dup(c->fd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return error_set(err, "cannot read cache '%s': %s", c->root,
				 strerror(errno));
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (every_type ? !cache_folder_type(de->d_name)
			       : strncmp(de->d_name, "models--", 8))
			continue;
#ifdef DT_DIR
		if (de->d_type != DT_DIR && de->d_type != DT_LNK &&
		    de->d_type != DT_UNKNOWN)
			continue;
#endif
		strlist_push(folders, de->d_name);
	}
	closedir(d);
	return 0;
}

int cache_model_folders(struct cache *c, struct strlist *folders,
			struct strbuf *err)
{
	if (root_folders(c, false, folders, err) < 0)
		return -1;
	sort_folders(folders);
	return 0;
}

int cache_repo_folders(struct cache *c, struct strlist *folders,
		       struct strbuf *err)
{
	if (root_folders(c, true, folders, err) < 0)
		return -1;
	strlist_sort(folders);
	return 0;
}
