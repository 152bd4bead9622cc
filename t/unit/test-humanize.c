/* Unit tests: human sizes, ages, UTC times and durations. */
#include <stdlib.h>

#include "tap.h"
#include "util/humanize.h"

static void size(unsigned long long n, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	human_size(&sb, n);
	is_str(sb.buf, want, "human_size");
	strbuf_release(&sb);
}

static void age(long secs, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	time_t now = 1700000000;

	human_age(&sb, now - secs, now);
	is_str(sb.buf, want, "human_age");
	strbuf_release(&sb);
}

static void dur(const char *s, long long want)
{
	long long got = -1;
	int r = parse_duration(s, &got);

	is_int(r < 0 ? -1 : got, want, s);
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT;

	size(0, "0B");
	size(31, "31B");
	size(999, "999B");
	size(1000, "1.0KB");
	size(3000, "3.0KB");
	size(2100000000ULL, "2.1GB");
	size(999949, "999.9KB");
	size(1500000000000ULL, "1.5TB");

	age(0, "just now");
	age(44, "just now");
	age(60, "1m ago");
	age(600, "10m ago");
	age(3600, "1h ago");
	age(5 * 3600, "5h ago");
	age(30 * 3600, "1d ago");
	age(3 * 86400, "3d ago");
	age(-100, "just now");
	age(40 * 86400, "2023-10-05");

	iso8601_utc(&sb, 0);
	is_str(sb.buf, "1970-01-01T00:00:00Z", "epoch in UTC");
	strbuf_reset(&sb);
	iso8601_utc(&sb, 1700000000);
	is_str(sb.buf, "2023-11-14T22:13:20Z", "a time in UTC");
	strbuf_release(&sb);

	dur("10m", 600);
	dur("90", 90);
	dur("90s", 90);
	dur("2h", 7200);
	dur("7d", 604800);
	dur("1w", 604800);
	dur("", -1);
	dur("-5m", -1);
	dur("5x", -1);
	dur("m", -1);
	return done_testing();
}
