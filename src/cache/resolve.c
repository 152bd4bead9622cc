/* Resolving a user's model spec to one cached repo and revision. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache/repo.h"
#include "cache/resolve.h"
#include "util/xalloc.h"
#include "util/banned.h"

void resolve_split(const char *spec, char **base, char **rev)
{
	const char *at = strrchr(spec, '@');

	if (!at) {
		*base = xstrdup(spec);
		*rev = NULL;
		return;
	}
	*base = xstrndup(spec, (size_t)(at - spec));
	*rev = xstrdup(at + 1);
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

bool resolve_name_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return !n;
}

static char *ascii_lower(const char *s)
{
	char *l = xstrdup(s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

bool resolve_name_matches(const char *name, const char *pattern)
{
	char *n, *p;
	const char *slash;
	bool hit;

	if (!strpbrk(pattern, "*?["))
		return resolve_name_contains(name, pattern);
	/* FNM_CASEFOLD is not POSIX: fold both sides instead. */
	n = ascii_lower(name);
	p = ascii_lower(pattern);
	slash = strrchr(n, '/');
	hit = !fnmatch(p, n, 0) || (slash && !fnmatch(p, slash + 1, 0));
	free(n);
	free(p);
	return hit;
}

/* Does the repo have revision rev? Fills msg when it does not. */
static bool repo_has_rev(struct cache *c, const char *folder, const char *rev,
			 struct strbuf *msg)
{
	struct repo r;
	struct repo_rev *found;
	bool ok;

	if (repo_open(c, folder, &r, msg) < 0) {
		repo_close(&r);
		return false;
	}
	ok = repo_find_rev(&r, rev, &found, msg) == 0;
	repo_close(&r);
	return ok;
}

static void set_result(struct resolved *res, const char *name, bool fuzzy)
{
	res->name = xstrdup(name);
	res->folder = cache_name_to_folder(name);
	res->fuzzy = fuzzy;
}

int resolve_model(struct cache *c, const char *spec, struct resolved *res)
{
	struct strlist folders = STRLIST_INIT, names = STRLIST_INIT;
	struct strlist hits = STRLIST_INIT;
	const char *exact = NULL;
	char *expanded = NULL;

	memset(res, 0, sizeof(*res));
	strbuf_init(&res->message, 0);
	resolve_split(spec, &res->base, &res->rev);
	if (blank(res->base)) {
		res->status = RESOLVE_INVALID;
		error_set(&res->message, "model name is empty");
		return -1;
	}
	if (res->rev && blank(res->rev)) {
		res->status = RESOLVE_INVALID;
		error_set(&res->message, "revision after '@' is empty in '%s'",
			  spec);
		return -1;
	}
	if (cache_model_folders(c, &folders, &res->message) < 0) {
		res->status = RESOLVE_NOT_FOUND;
		return -1;
	}
	for (size_t i = 0; i < folders.nr; i++)
		strlist_push_nodup(&names,
				   cache_folder_to_name(folders.items[i]));

	if (!strchr(res->base, '/'))
		expanded = xasprintf("mlx-community/%s", res->base);
	for (size_t i = 0; i < names.nr; i++) {
		if (!strcmp(names.items[i], res->base))
			exact = names.items[i];
	}
	if (exact) {
		set_result(res, exact, false);
	} else if (expanded && strlist_has(&names, expanded)) {
		set_result(res, expanded, true);
	} else {
		for (size_t i = 0; i < names.nr; i++)
			if (resolve_name_contains(names.items[i], res->base))
				strlist_push(&hits, names.items[i]);
		/* With @rev, only candidates that have the revision count. */
		if (res->rev && hits.nr > 1) {
			struct strlist keep = STRLIST_INIT;
			for (size_t i = 0; i < hits.nr; i++) {
				char *f = cache_name_to_folder(hits.items[i]);
				if (repo_has_rev(c, f, res->rev, NULL))
					strlist_push(&keep, hits.items[i]);
				free(f);
			}
			if (keep.nr) {
				strlist_clear(&hits);
				hits = keep;
			} else {
				strlist_clear(&keep);
			}
		}
		if (hits.nr == 1) {
			set_result(res, hits.items[0], true);
		} else if (hits.nr > 1) {
			res->status = RESOLVE_AMBIGUOUS;
			struct strbuf list = STRBUF_INIT;
			for (size_t i = 0; i < hits.nr; i++) {
				strlist_push(&res->matches, hits.items[i]);
				/* A line a person can read: the first ten. */
				if (i < RESOLVE_SHOW_MATCHES)
					strbuf_addf(&list, "%s%s",
						    i ? ", " : "",
						    hits.items[i]);
			}
			if (hits.nr > RESOLVE_SHOW_MATCHES)
				strbuf_addf(&list, " and %zu more",
					    hits.nr - RESOLVE_SHOW_MATCHES);
			error_set(&res->message, "'%s' matches %zu models: %s",
				  res->base, hits.nr, list.buf);
			strbuf_release(&list);
		} else {
			res->status = RESOLVE_NOT_FOUND;
			error_set(&res->message, "no model matches '%s'",
				  res->base);
		}
	}
	if (res->status == RESOLVE_OK && res->rev &&
	    !repo_has_rev(c, res->folder, res->rev, &res->message))
		res->status = RESOLVE_NO_REV;

	free(expanded);
	strlist_clear(&hits);
	strlist_clear(&names);
	strlist_clear(&folders);
	return res->status == RESOLVE_OK ? 0 : -1;
}

void resolved_release(struct resolved *res)
{
	free(res->name);
	free(res->folder);
	free(res->base);
	free(res->rev);
	strlist_clear(&res->matches);
	strbuf_release(&res->message);
	memset(res, 0, sizeof(*res));
}
