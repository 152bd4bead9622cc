/*
 * Human-facing renderings of sizes, ages and times.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_HUMANIZE_H
#define UTIL_HUMANIZE_H

#include <stdint.h>
#include <time.h>

#include "util/strbuf.h"

/* Decimal units as MLX-Knife prints them: "31B", "3.0KB", "2.1GB". */
void human_size(struct strbuf *out, uint64_t bytes);
/*
 * Age of t relative to now: "just now", "1m ago", "5h ago", "3d ago", or
 * the UTC date "YYYY-MM-DD" beyond 30 days.
 */
void human_age(struct strbuf *out, time_t t, time_t now);
/* "YYYY-MM-DDTHH:MM:SSZ", really UTC. */
void iso8601_utc(struct strbuf *out, time_t t);
/*
 * Parse a duration such as "10m", "90s", "2h", "7d", "1w" or a plain
 * number of seconds. Returns 0 and sets *secs, or -1 if malformed.
 */
int parse_duration(const char *s, long long *secs);

#endif
