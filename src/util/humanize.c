/* Sizes, ages and times for people. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util/humanize.h"
#include "util/banned.h"

void human_size(struct strbuf *out, uint64_t bytes)
{
	static const char *const units[] = {
		"KB", "MB", "GB", "TB", "PB", "EB"
	};
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1000) {
		strbuf_addf(out, "%lluB", (unsigned long long)bytes);
		return;
	}
	v /= 1000.0;
	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	strbuf_addf(out, "%.1f%s", v, units[u]);
}

void human_age(struct strbuf *out, time_t t, time_t now)
{
	double d = difftime(now, t);
	struct tm tm;
	char buf[32];

	if (d < 0)
		d = 0;
	if (d < 45)
		strbuf_addstr(out, "just now");
	else if (d < 90)
		strbuf_addstr(out, "1m ago");
	else if (d < 45 * 60)
		strbuf_addf(out, "%dm ago", (int)(d / 60 + 0.5));
	else if (d < 90 * 60)
		strbuf_addstr(out, "1h ago");
	else if (d < 24 * 3600)
		strbuf_addf(out, "%dh ago", (int)(d / 3600 + 0.5));
	else if (d < 36 * 3600)
		strbuf_addstr(out, "1d ago");
	else if (d < 30 * 86400)
		strbuf_addf(out, "%dd ago", (int)(d / 86400 + 0.5));
	else if (gmtime_r(&t, &tm) &&
		 strftime(buf, sizeof(buf), "%Y-%m-%d", &tm))
		strbuf_addstr(out, buf);
	else
		strbuf_addstr(out, "-");
}

void iso8601_utc(struct strbuf *out, time_t t)
{
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, sizeof(buf), "%s", "1970-01-01T00:00:00Z");
	strbuf_addstr(out, buf);
}

int parse_duration(const char *s, long long *secs)
{
	char *end;
	long long n, mul = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || n < 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mul = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mul = 60;
	else if (!strcmp(end, "h"))
		mul = 3600;
	else if (!strcmp(end, "d"))
		mul = 86400;
	else if (!strcmp(end, "w"))
		mul = 7 * 86400;
	else
		return -1;
	if (n > (long long)(1LL << 50) / mul)
		return -1;
	*secs = n * mul;
	return 0;
}
