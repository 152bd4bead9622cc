/*
 * A growable list of owned strings, optionally sorted.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_STRLIST_H
#define UTIL_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **items;
	size_t nr;
	size_t alloc;
};

#define STRLIST_INIT       \
	{                  \
		NULL, 0, 0 \
	}

void strlist_push(struct strlist *l, const char *s);
/* Take ownership of an already allocated string. */
void strlist_push_nodup(struct strlist *l, char *s);
void strlist_sort(struct strlist *l);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_clear(struct strlist *l);

#endif
