/*
 * The cache's naming rules (see names.h). Each rule is written once here so
 * that the lister, the deleters and the doctor can never disagree on what
 * a name means.
 */
#include <stdlib.h>
#include <string.h>

#include "cache/names.h"
#include "util/fsutil.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

static char *replace_all(const char *s, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	size_t flen = strlen(from);

	while (*s) {
		if (*s == *from && !strncmp(s, from, flen)) {
			strbuf_addstr(&sb, to);
			s += flen;
		} else {
			strbuf_addch(&sb, *s++);
		}
	}
	return strbuf_detach(&sb, NULL);
}

char *cache_folder_to_name(const char *folder)
{
	if (strncmp(folder, "models--", 8))
		return NULL;
	return replace_all(folder + 8, "--", "/");
}

char *cache_name_to_folder(const char *name)
{
	char *tail, *res;

	if (!strncmp(name, "models--", 8))
		return xstrdup(name);
	tail = replace_all(name, "/", "--");
	res = xasprintf("models--%s", tail);
	free(tail);
	return res;
}

const char *cache_folder_type(const char *folder)
{
	static const struct {
		const char *prefix, *type;
	} types[] = { { "models--", "model" },
		      { "datasets--", "dataset" },
		      { "spaces--", "space" },
		      { "kernels--", "kernel" } };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strncmp(folder, types[i].prefix, strlen(types[i].prefix)))
			return types[i].type;
	return NULL;
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	/* The suffix alone is no name: ".lock" is nobody's lock. */
	return n > k && !strcmp(name + n - k, suffix);
}

bool names_is_lock(const char *name)
{
	return has_suffix(name, ".lock");
}

char *names_lock_of(const char *key)
{
	return xasprintf("%s.lock", key);
}

bool names_is_incomplete(const char *name)
{
	return has_suffix(name, ".incomplete");
}

char *names_incomplete_of(const char *etag)
{
	return xasprintf("%s.incomplete", etag);
}

char *names_incomplete_unique(const char *etag, unsigned long tag)
{
	return xasprintf("%s.%08lx.incomplete", etag, tag & 0xffffffffUL);
}

bool names_is_incomplete_unique_of(const char *name, const char *etag)
{
	size_t n = strlen(etag);

	return !strncmp(name, etag, n) && name[n] == '.' &&
	       strlen(name + n) == 1 + 8 + 11 && fs_is_hex(name + n + 1, 8) &&
	       !strcmp(name + n + 9, ".incomplete");
}

char *names_ranges_of(const char *etag)
{
	return xasprintf("%s.incomplete.ranges", etag);
}

bool names_is_ranges(const char *name)
{
	return has_suffix(name, ".incomplete.ranges");
}

char *names_incomplete_etag(const char *name)
{
	size_t n = strlen(name);

	if (!names_is_incomplete(name))
		return NULL;
	n -= 11;
	if (n > 9 && name[n - 9] == '.' && fs_is_hex(name + n - 8, 8))
		n -= 9;
	return xstrndup(name, n);
}

char *names_blob_key(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? xstrndup(name, (size_t)(dot - name)) : xstrdup(name);
}

bool names_is_temp(const char *name, bool trees)
{
	size_t n = strlen(name);

	if (n > 13 && !strcmp(name + n - 4, ".tmp") && name[n - 13] == '.' &&
	    fs_is_hex(name + n - 12, 8))
		return true;
	if (!trees || n != 15 || strncmp(name, "tmp", 3) ||
	    strcmp(name + 11, ".tmp"))
		return false;
	/* Python's tempfile names: lower-case letters, digits, '_'. */
	for (size_t i = 3; i < 11; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return false;
	return true;
}
