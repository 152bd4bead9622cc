/*
 * Writing trees/<commit>.json from the Hub's listing of a commit, in the
 * bytes huggingface_hub writes (see cache/trees.h for the format).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cache/trees.h"
#include "fetch/trees-write.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

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

enum trees_write_result trees_write(int repo_fd, const char *commit,
				    const struct hub_tree *t,
				    struct strbuf *err)
{
	const struct hub_file **v;
	json_t *root, *files, *have;
	char *text, *name;
	int ret;

	have = trees_load(repo_fd, commit);
	if (have) {
		json_decref(have);
		return TREES_WRITE_DONE;
	}
	for (size_t i = 0; i < t->nr; i++)
		if (!t->files[i].blob_id)
			return TREES_WRITE_PARTIAL;
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
