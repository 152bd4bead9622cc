/* Parsers of the Hub's replies: tree listings, Link headers, ETags, globs. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "hub/hub.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

void hub_tree_release(struct hub_tree *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		free(t->files[i].path);
		free(t->files[i].etag);
		free(t->files[i].blob_id);
		free(t->files[i].xet_hash);
	}
	free(t->files);
	memset(t, 0, sizeof(*t));
}

bool hub_path_valid(const char *path)
{
	const char *p = path, *seg;

	if (!*path || *path == '/')
		return false;
	for (const char *q = path; *q; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20 || *q == 0x7f)
			return false;
	while (*p) {
		size_t n;

		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (*p == '/') {
			p++;
			if (!*p)
				return false; /* trailing slash */
		}
	}
	return true;
}

bool hub_is_lower_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

int hub_parse_tree(const char *json, size_t len, struct hub_tree *t,
		   struct strbuf *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	size_t i;
	json_t *it;
	int ret = -1;

	if (!root)
		return error_set(err, "bad tree listing: %s (line %d)",
				 jerr.text, jerr.line);
	if (!json_is_array(root)) {
		error_set(err, "bad tree listing: not a JSON array");
		goto out;
	}
	json_array_foreach(root, i, it)
	{
		const char *type, *path, *oid, *git, *xet;
		json_t *size, *lfs;
		struct hub_file f;

		type = json_string_value(json_object_get(it, "type"));
		path = json_string_value(json_object_get(it, "path"));
		if (!type || !path) {
			error_set(err,
				  "bad tree listing: entry %zu has no "
				  "type or path",
				  i);
			goto out;
		}
		if (strcmp(type, "file"))
			continue;
		if (!hub_path_valid(path)) {
			error_set(err, "refusing unsafe path in tree listing");
			goto out;
		}
		lfs = json_object_get(it, "lfs");
		if (json_is_object(lfs)) {
			oid = json_string_value(json_object_get(lfs, "oid"));
			size = json_object_get(lfs, "size");
			if (!size)
				size = json_object_get(it, "size");
		} else {
			lfs = NULL;
			oid = json_string_value(json_object_get(it, "oid"));
			size = json_object_get(it, "size");
		}
		if (!oid || !hub_is_lower_hex(oid, lfs ? 64 : 40)) {
			error_set(err, "bad tree listing: '%s' has no valid %s",
				  path, lfs ? "lfs.oid" : "oid");
			goto out;
		}
		if (!json_is_integer(size) || json_integer_value(size) < 0) {
			error_set(err, "bad tree listing: '%s' has no size",
				  path);
			goto out;
		}
		if ((uint64_t)json_integer_value(size) > HUB_MAX_FILE_SIZE) {
			error_set(err,
				  "bad tree listing: '%s' claims an "
				  "implausible size (%lld bytes)",
				  path, (long long)json_integer_value(size));
			goto out;
		}
		/* Kept only for trees/<commit>.json; never trusted for paths.
		 */
		git = json_string_value(json_object_get(it, "oid"));
		xet = json_string_value(json_object_get(it, "xetHash"));
		f.path = xstrdup(path);
		f.etag = xstrdup(oid);
		f.size = (uint64_t)json_integer_value(size);
		f.lfs = lfs != NULL;
		f.blob_id =
			git && hub_is_lower_hex(git, 40) ? xstrdup(git) : NULL;
		f.xet_hash =
			xet && hub_is_lower_hex(xet, 64) ? xstrdup(xet) : NULL;
		ALLOC_GROW(t->files, t->nr + 1, t->alloc);
		t->files[t->nr++] = f;
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool sorted_has(char **v, size_t n, const char *key)
{
	return bsearch(&key, v, n, sizeof(*v), cmp_str) != NULL;
}

int hub_tree_check(const struct hub_tree *t, struct strbuf *err)
{
	char **paths = xcalloc(t->nr ? t->nr : 1, sizeof(*paths));
	int ret = 0;

	for (size_t i = 0; i < t->nr; i++)
		paths[i] = t->files[i].path;
	qsort(paths, t->nr, sizeof(*paths), cmp_str);
	for (size_t i = 0; !ret && i + 1 < t->nr; i++)
		if (!strcmp(paths[i], paths[i + 1]))
			ret = error_set(err,
					"bad tree listing: '%s' is listed "
					"twice",
					paths[i]);
	/* Every folder of every path must not be a file too. */
	for (size_t i = 0; !ret && i < t->nr; i++) {
		char *dir = xstrdup(paths[i]);

		for (char *s = strrchr(dir, '/'); s; s = strrchr(dir, '/')) {
			*s = '\0';
			if (sorted_has(paths, t->nr, dir)) {
				ret = error_set(err,
						"bad tree listing: '%s' is "
						"both a file and the folder "
						"of '%s'",
						dir, paths[i]);
				break;
			}
		}
		free(dir);
	}
	free(paths);
	return ret;
}

/* Does a rel value (space-separated relation types) list "next"? */
static bool rel_has_next(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t w = 0;

		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		while (i + w < n && v[i + w] != ' ' && v[i + w] != '\t')
			w++;
		if (w == 4 && !strncasecmp(v + i, "next", 4))
			return true;
		i += w;
	}
	return false;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * RFC 8288: link-value = "<" URI ">" *( ";" param ), separated by ",";
 * a param is token [ "=" ( token / quoted-string ) ].
 */
char *hub_link_next(const char *link)
{
	const char *p = link;

	for (;;) {
		const char *lt, *gt;
		bool next = false;

		p = skip_ws(p);
		while (*p == ',')
			p = skip_ws(p + 1);
		if (*p != '<')
			return NULL;
		lt = p;
		gt = strchr(lt, '>');
		if (!gt)
			return NULL;
		p = skip_ws(gt + 1);
		while (*p == ';') {
			const char *name = skip_ws(p + 1), *v;
			size_t nlen = strcspn(name, "=;, \t"), vlen = 0;

			p = skip_ws(name + nlen);
			v = p;
			if (*p == '=') {
				p = skip_ws(p + 1);
				if (*p == '"') {
					v = ++p;
					while (*p && *p != '"') {
						if (*p == '\\' && p[1])
							p++;
						p++;
					}
					vlen = (size_t)(p - v);
					if (*p == '"')
						p++;
				} else {
					v = p;
					vlen = strcspn(p, ";, \t");
					p += vlen;
				}
			}
			if (nlen == 3 && !strncasecmp(name, "rel", 3) &&
			    rel_has_next(v, vlen))
				next = true;
			p = skip_ws(p);
		}
		if (next)
			return xstrndup(lt + 1, (size_t)(gt - lt - 1));
		if (*p != ',')
			return NULL;
	}
}

char *hub_normalize_etag(const char *etag)
{
	const char *p = etag;
	size_t n;

	/* Python's lstrip("W/"): a set of characters, not a prefix. */
	while (*p == 'W' || *p == '/')
		p++;
	while (*p == '"')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '"')
		n--;
	return xstrndup(p, n);
}

/*
 * Does the single-character pattern at pat (literal, '?' or a [set])
 * match c? *len receives the pattern's length.
 */
static bool match_one(const char *pat, char c, size_t *len)
{
	const char *q, *start;
	bool neg = false, hit = false;

	*len = 1;
	if (*pat == '?')
		return true;
	if (*pat != '[')
		return *pat == c;
	q = pat + 1;
	if (*q == '!') {
		neg = true;
		q++;
	}
	start = q;
	/* A ']' first in the set is literal. */
	while (*q && (*q != ']' || q == start))
		q++;
	if (!*q)
		return c == '['; /* no closing ']': a literal '[' */
	for (const char *m = start; m < q; m++) {
		if (m + 2 < q && m[1] == '-') {
			if ((unsigned char)c >= (unsigned char)m[0] &&
			    (unsigned char)c <= (unsigned char)m[2])
				hit = true;
			m += 2;
		} else if (*m == c) {
			hit = true;
		}
	}
	*len = (size_t)(q - pat) + 1;
	return hit != neg;
}

/*
 * fnmatch.fnmatchcase: '*' and '?' match '/', no escapes. Iterative with
 * one backtracking point, so hostile patterns cost O(n*m), not 2^n.
 */
static bool glob_at(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		size_t len;

		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			star_p = pat;
			star_s = s;
			continue;
		}
		if (*pat && match_one(pat, *s, &len)) {
			pat += len;
			s++;
			continue;
		}
		if (!star_p)
			return false;
		pat = star_p;
		s = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

bool hub_glob_match(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);
	bool ok;

	if (n && pattern[n - 1] == '/') {
		char *p = xasprintf("%s*", pattern);
		ok = glob_at(p, path);
		free(p);
		return ok;
	}
	return glob_at(pattern, path);
}

bool hub_path_wanted(const char *path, const struct strlist *include,
		     const struct strlist *exclude)
{
	bool want = !include || include->nr == 0;

	for (size_t i = 0; !want && i < include->nr; i++)
		if (hub_glob_match(include->items[i], path))
			want = true;
	for (size_t i = 0; want && exclude && i < exclude->nr; i++)
		if (hub_glob_match(exclude->items[i], path))
			want = false;
	return want;
}

/* The HTTP client. */
