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
