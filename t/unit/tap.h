/*
 * A minimal TAP producer for unit tests: ok(cond, fmt...), is_str(),
 * is_int(), done_testing(). prove reads the output.
 */
#ifndef T_UNIT_TAP_H
#define T_UNIT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3))) static int ok(int cond, const char *fmt,
						    ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

static inline int is_str(const char *got, const char *want, const char *what)
{
	int cond = (got == NULL && want == NULL) ||
		   (got && want && !strcmp(got, want));

	if (!ok(cond, "%s", what))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return cond;
}

static inline int is_int(long long got, long long want, const char *what)
{
	if (!ok(got == want, "%s", what))
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return got == want;
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
