/*
 * Allocation helpers that never return NULL: running out of memory is not
 * something a command-line tool can recover from, so it dies instead.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_XALLOC_H
#define UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow array x (with nr used and alloc allocated slots) to hold n items. */
#define ALLOC_GROW(x, n, alloc)                                          \
	do {                                                             \
		if ((n) > (alloc)) {                                     \
			(alloc) = (alloc) < 8 ? 8 : (alloc);             \
			while ((alloc) < (n))                            \
				(alloc) *= 2;                            \
			(x) = xreallocarray((x), (alloc), sizeof(*(x))); \
		}                                                        \
	} while (0)

#define FREE_AND_NULL(p)    \
	do {                \
		free(p);    \
		(p) = NULL; \
	} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
