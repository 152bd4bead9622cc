/*
 * Paths as Python's os.path spells them (expanduser, expandvars).
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_PATH_H
#define UTIL_PATH_H

#include "util/strbuf.h"

/* Expand a leading ~ and $VAR / ${VAR} the way Python's os.path does. */
void path_expand(const char *in, struct strbuf *out);
/* os.path.expanduser alone: a leading ~ or ~user. */
void path_expand_user(const char *in, struct strbuf *out);
/* Append "/name" to dir (no doubled slash). */
void path_join(struct strbuf *dir, const char *name);

#endif
