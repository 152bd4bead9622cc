/* trees/<commit>.json, read and written in huggingface_hub's format. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/hash.h"
#include "cache/trees.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define TREES_CAP (64u << 20)

json_t *trees_load(int repo_fd, const char *commit)
{
	struct strbuf buf = STRBUF_INIT, err = STRBUF_INIT;
	char *rel = xasprintf("trees/%s.json", commit);
	json_t *root = NULL, *files;

	if (!fs_read_file_at(repo_fd, rel, false, TREES_CAP, &buf, &err))
		root = json_loadb(buf.buf, buf.len, 0, NULL);
	free(rel);
	strbuf_release(&buf);
	strbuf_release(&err);
	if (!root)
		return NULL;
	files = json_object_get(root, "files");
	if (json_integer_value(json_object_get(root, "format_version")) != 1 ||
	    !json_is_object(files)) {
		json_decref(root);
		return NULL;
	}
	json_incref(files);
	json_decref(root);
	return files;
}

const char *trees_hash(json_t *files, const char *path)
{
	json_t *e = files ? json_object_get(files, path) : NULL;
	const char *h;

	if (!json_is_object(e))
		return NULL;
	h = json_string_value(json_object_get(e, "lfs_sha256"));
	if (h && hash_kind_of(h) == HASH_SHA256)
		return h;
	h = json_string_value(json_object_get(e, "blob_id"));
	if (h && hash_kind_of(h) == HASH_GITSHA1)
		return h;
	return NULL;
}

static int cmp_path(const void *a, const void *b)
{
	const struct hub_file *x = *(const struct hub_file *const *)a;
	const struct hub_file *y = *(const struct hub_file *const *)b;

	return strcmp(x->path, y->path);
}

static json_t *entry(const struct hub_file *f)
{
	json_t *e = json_object();

	json_object_set_new(e, "size", json_integer((json_int_t)f->size));
	json_object_set_new(e, "blob_id", json_string(f->blob_id));
	if (f->lfs) {
		json_object_set_new(e, "lfs_sha256", json_string(f->etag));
		json_object_set_new(e, "lfs_size",
				    json_integer((json_int_t)f->size));
	}
	if (f->xet_hash)
		json_object_set_new(e, "xet_hash", json_string(f->xet_hash));
	return e;
}

/* Python writes \u escapes in lower case, jansson in upper case. */
static void lower_escapes(char *s)
{
	for (; *s; s++) {
		if (*s != '\\')
			continue;
		if (s[1] == 'u')
			for (int i = 2; i < 6 && s[i]; i++)
				s[i] = (char)tolower((unsigned char)s[i]);
		if (s[1])
			s++;
	}
}

int trees_write(int repo_fd, const char *commit, const struct hub_tree *t,
		struct strbuf *err)
{
	const struct hub_file **v;
	json_t *root, *files, *have;
	char *text, *name;
	int ret;

	have = trees_load(repo_fd, commit);
	if (have) {
		json_decref(have);
		return 0;
	}
	for (size_t i = 0; i < t->nr; i++)
		if (!t->files[i].blob_id)
			return 1;
	/* strcmp order is code point order: Python's sorted(). */
	v = xcalloc(t->nr ? t->nr : 1, sizeof(*v));
	for (size_t i = 0; i < t->nr; i++)
		v[i] = &t->files[i];
	qsort(v, t->nr, sizeof(*v), cmp_path);
	files = json_object();
	for (size_t i = 0; i < t->nr; i++)
		json_object_set_new(files, v[i]->path, entry(v[i]));
	free(v);
	root = json_object();
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "files", files);
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
					JSON_ENSURE_ASCII);
	json_decref(root);
	if (!text)
		return error_set(err, "cannot encode the tree listing");
	lower_escapes(text);
	name = xasprintf("%s.json", commit);
	ret = fs_mkdirs_at(repo_fd, "trees", 0777, err);
	if (ret == 0) {
		int dfd = fs_open_path_at(repo_fd, "trees",
					  O_RDONLY | O_DIRECTORY);
		if (dfd < 0) {
			ret = error_set(err, "cannot open 'trees': %s",
					strerror(errno));
		} else {
			ret = fs_write_atomic_at(dfd, name, text, strlen(text),
						 0666, err);
			close(dfd);
		}
	}
	free(name);
	free(text);
	return ret;
}
