/* Unit tests: the set of finished ranges and its record beside a partial. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fetch/ranges.h"

static int parse(const char *text, uint64_t size, struct rangeset *s)
{
	rangeset_release(s);
	return ranges_parse(text, strlen(text), size, s);
}

int main(void)
{
	struct rangeset s = RANGESET_INIT;
	struct strbuf t = STRBUF_INIT;

	rangeset_add(&s, 10, 20);
	rangeset_add(&s, 30, 40);
	rangeset_add(&s, 0, 5);
	is_int((long long)s.nr, 3, "three apart stay three");
	rangeset_add(&s, 20, 30);
	is_int((long long)s.nr, 2, "a range touching two merges them");
	is_int((long long)s.v[1].a, 10, "merged start");
	is_int((long long)s.v[1].b, 40, "merged end");
	rangeset_add(&s, 3, 12);
	is_int((long long)s.nr, 1, "an overlap merges with the prefix");
	is_int((long long)rangeset_prefix(&s), 40, "the prefix");
	is_int((long long)rangeset_bytes(&s), 40, "the bytes");
	rangeset_add(&s, 50, 50);
	is_int((long long)s.nr, 1, "an empty range adds nothing");
	rangeset_add(&s, 60, 70);
	ranges_format(&s, 100, &t);
	is_str(t.buf, "mlxk-ranges 1 100\n0 40\n60 70\n", "the record's text");
	ok(parse(t.buf, 100, &s) == 0 && s.nr == 2 && s.v[1].a == 60,
	   "its text parses back");
	ok(parse(t.buf, 99, &s) < 0, "a record for another size is refused");
	ok(parse("mlxk-ranges 1 100\n0 40\n30 70\n", 100, &s) < 0,
	   "overlapping ranges are refused");
	ok(parse("mlxk-ranges 1 100\n60 70\n0 40\n", 100, &s) < 0,
	   "ranges out of order are refused");
	ok(parse("mlxk-ranges 1 100\n0 101\n", 100, &s) < 0,
	   "a range past the end is refused");
	ok(parse("mlxk-ranges 1 100\n5 5\n", 100, &s) < 0,
	   "an empty range is refused");
	ok(parse("mlxk-ranges 1 100\n0 40", 100, &s) < 0,
	   "a cut last line is refused");
	ok(parse("mlxk-ranges 2 100\n", 100, &s) < 0,
	   "another version is refused");
	ok(parse("mlxk-ranges 1 100\n0 99999999999999999999999\n", 100, &s) < 0,
	   "an overflowing number is refused");
	ok(parse("mlxk-ranges 1 100\n", 100, &s) == 0 && s.nr == 0,
	   "no range yet is fine");
	rangeset_release(&s);
	strbuf_release(&t);
	return done_testing();
}
