/*
 * Name resolution for commands that take one model: exact "org/name",
 * "mlx-community/" short names, a case-insensitive unique substring, and
 * "name@rev" where rev is a ref name or a commit-hash prefix.
 * Layer: cache/ (may use util/).
 */
#ifndef CACHE_RESOLVE_H
#define CACHE_RESOLVE_H

#include <stdbool.h>

#include "cache/cache.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum resolve_status {
	RESOLVE_OK,
	RESOLVE_INVALID,   /* empty or whitespace-only name, empty @rev */
	RESOLVE_NOT_FOUND, /* no model matches */
	RESOLVE_AMBIGUOUS, /* several models match; see matches */
	RESOLVE_NO_REV,	   /* the model exists but not the revision */
};

/* An ambiguous name's message names this many candidates at most (the
 * JSON error's matches has them all). */
#define RESOLVE_SHOW_MATCHES 10

struct resolved {
	enum resolve_status status;
	char *name;   /* resolved "org/name" */
	char *folder; /* models--org--name */
	char *base;   /* the name part of the spec, as typed */
	char *rev;    /* the part after '@', or NULL */
	bool fuzzy;   /* matched by expansion or substring, not exactly */
	struct strlist matches; /* every candidate when ambiguous */
	struct strbuf message;	/* why it failed, one line */
};

/* Split "name@rev" at the last '@'. *rev is NULL without '@'. */
void resolve_split(const char *spec, char **base, char **rev);
/*
 * Resolve spec against the models in the cache. A revision is checked
 * against the repo (repo_find_rev) when present. Returns 0 on RESOLVE_OK,
 * -1 otherwise with res->status and res->message set.
 */
int resolve_model(struct cache *c, const char *spec, struct resolved *res);
void resolved_release(struct resolved *res);
/*
 * Does name contain pattern, ignoring ASCII case? The match rule of
 * resolution and of "list PATTERN"; an empty pattern matches everything.
 */
bool resolve_name_contains(const char *name, const char *pattern);
/*
 * The filter of list and health: a pattern with '*', '?' or '[' is a
 * case-insensitive glob over the whole org/name or over the name without
 * its org ('Qwen*'); any other pattern is a case-insensitive part.
 */
bool resolve_name_matches(const char *name, const char *pattern);

#endif
