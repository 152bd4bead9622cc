/* Unit tests: .incomplete and temporary file names (doctor). */
#include <stdlib.h>

#include "tap.h"
#include "maint/doctor.h"

static void etag(const char *name, const char *want)
{
	char *got = names_incomplete_etag(name);

	is_str(got ? got : "(null)", want ? want : "(null)", name);
	free(got);
}

int main(void)
{
	/* huggingface_hub <= 1.17: <etag>.incomplete */
	etag("0123456789abcdef0123456789abcdef01234567.incomplete",
	     "0123456789abcdef0123456789abcdef01234567");
	/* >= 1.18: <etag>.<8 hex>.incomplete */
	etag("abcd.0123abcd.incomplete", "abcd");
	etag("abcd.0123ABCD.incomplete", "abcd");
	/* not 8 hex digits: part of the name */
	etag("abcd.0123abc.incomplete", "abcd.0123abc");
	etag("abcd.0123abcx.incomplete", "abcd.0123abcx");
	etag(".0123abcd.incomplete", ".0123abcd");
	etag("x.incomplete", "x");
	etag(".incomplete", NULL);
	etag("abcd", NULL);
	etag("abcd.incomplete.tmp", NULL);
	etag("", NULL);
	is_str(doctor_cat_key(DOCTOR_ORPHAN_BLOB), "orphan_blobs", "key");
	is_str(doctor_cat_key(DOCTOR_PERMISSION), "permissions", "key");
	is_str(doctor_cat_key(DOCTOR_TEMP), "stale_temp_files", "key");

	/* atomic writes: <name>.<8 hex>.tmp, in refs/ and trees/ */
	ok(names_is_temp("main.0a1b2c3d.tmp", false), "ref temp");
	ok(names_is_temp("x.json.deadbeef.tmp", true), "trees temp");
	ok(!names_is_temp("main.0a1b2c3.tmp", false), "7 hex");
	ok(!names_is_temp("main.0a1b2c3g.tmp", false), "not hex");
	ok(!names_is_temp("main", false), "a ref");
	ok(!names_is_temp(".0a1b2c3d.tmp", false), "no name");
	/* huggingface_hub's mkstemp in trees/: tmp<8>.tmp */
	ok(names_is_temp("tmpa_b9x0zq.tmp", true), "mkstemp name");
	ok(!names_is_temp("tmpa_b9x0zq.tmp", false), "only in trees/");
	ok(!names_is_temp("tmpA_b9x0zq.tmp", true), "upper case");
	ok(!names_is_temp("tmpshort.tmp", true), "too short");
	ok(!names_is_temp("tmpa_b9x0zq.json", true), "not .tmp");
	ok(!names_is_temp("notes.tmp", true), "any .tmp");
	return done_testing();
}
