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
#include "util/xalloc.h"
#include "util/banned.h"

/* os.path.join(dir, name) for a relative name: no '/' after "" or "x/". */
static void path_join(struct strbuf *dir, const char *name)
{
	if (dir->len && dir->buf[dir->len - 1] != '/')
		strbuf_addch(dir, '/');
	strbuf_addstr(dir, name);
}

/*
 * os.path.expanduser: "~" and "~/..." use $HOME even when it is set but
 * empty (the password database only when it is unset), "~user" looks the
 * user up; the home loses its trailing slashes and an empty result is "/".
 * Without a home to use, the path stays as written.
 */
static void expand_user(const char *in, struct strbuf *out)
{
	struct strbuf home = STRBUF_INIT;
	const char *rest;
	struct passwd *pw;

	if (in[0] != '~') {
		strbuf_addstr(out, in);
		return;
	}
	rest = in + 1 + strcspn(in + 1, "/");
	if (rest == in + 1) {
		const char *h = getenv("HOME");

		if (h) {
			strbuf_addstr(&home, h);
		} else {
			pw = getpwuid(getuid());
			if (!pw || !pw->pw_dir) {
				strbuf_addstr(out, in);
				return;
			}
			strbuf_addstr(&home, pw->pw_dir);
		}
	} else {
		char *user = xstrndup(in + 1, (size_t)(rest - in - 1));

		pw = getpwnam(user);
		free(user);
		if (!pw || !pw->pw_dir) {
			strbuf_addstr(out, in);
			return;
		}
		strbuf_addstr(&home, pw->pw_dir);
	}
	while (home.len && home.buf[home.len - 1] == '/')
		strbuf_setlen(&home, home.len - 1);
	strbuf_addf(out, "%s%s", home.buf, rest);
	if (!out->len)
		strbuf_addch(out, '/');
	strbuf_release(&home);
}

/* os.path.expandvars: unknown variables are left as written. */
static void expand_vars(const char *in, struct strbuf *out)
{
	const char *p = in;

	while (*p) {
		const char *start, *end;
		bool brace;

		if (*p != '$') {
			strbuf_addch(out, *p++);
			continue;
		}
		brace = p[1] == '{';
		start = p + 1 + brace;
		end = start;
		while (*end && (isalnum((unsigned char)*end) || *end == '_'))
			end++;
		if (end == start || (brace && *end != '}')) {
			strbuf_addch(out, *p++);
			continue;
		}
		char *name = xstrndup(start, (size_t)(end - start));
		const char *val = getenv(name);
		free(name);
		if (val)
			strbuf_addstr(out, val);
		else
			strbuf_add(out, p, (size_t)(end + brace - p));
		p = end + brace;
	}
}

void cache_expand_path(const char *in, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;

	/* expandvars(expanduser(x)), in huggingface_hub's order. */
	expand_user(in, &tmp);
	expand_vars(tmp.buf, out);
	strbuf_release(&tmp);
}

int cache_root_find(const char *override, struct strbuf *out,
		    struct strbuf *err)
{
	struct strbuf hf_home = STRBUF_INIT, raw = STRBUF_INIT;
	const char *v;

	(void)err;
	if (override) {
		cache_expand_path(override, &raw);
		goto done;
	}
	v = getenv("HF_HOME");
	if (v) {
		cache_expand_path(v, &hf_home);
	} else {
		/* join(getenv("XDG_CACHE_HOME", join(~, ".cache")), ...) */
		v = getenv("XDG_CACHE_HOME");
		if (v) {
			strbuf_addstr(&hf_home, v);
		} else {
			expand_user("~", &hf_home);
			path_join(&hf_home, ".cache");
		}
		path_join(&hf_home, "huggingface");
		/* expandvars(expanduser()) applies to the default too. */
		struct strbuf t = STRBUF_INIT;
		cache_expand_path(hf_home.buf, &t);
		strbuf_release(&hf_home);
		hf_home = t;
	}
	if ((v = getenv("HF_HUB_CACHE"))) {
		cache_expand_path(v, &raw);
	} else if ((v = getenv("HUGGINGFACE_HUB_CACHE"))) {
		cache_expand_path(v, &raw);
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
	return 0;
}

int cache_open_default(struct cache *c, const char *override,
		       struct strbuf *err)
{
	struct strbuf root = STRBUF_INIT;
	int ret;

	c->root = NULL;
	c->fd = -1;
	if (cache_root_find(override, &root, err) < 0) {
		strbuf_release(&root);
		return -1;
	}
	ret = cache_open(c, root.buf, err);
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
	char *root;
	int ret;

	if (c->fd >= 0)
		return 0;
	root = xstrdup(c->root);
	cache_close(c);
	ret = make_root(root, err) < 0 || cache_open(c, root, err) < 0 ? -1 : 0;
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
