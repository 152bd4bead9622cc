/* Unit tests: the etag of a .incomplete file name (doctor). */
#include <stdlib.h>

#include "tap.h"
#include "core/doctor.h"

static void etag(const char *name, const char *want)
{
	char *got = doctor_incomplete_etag(name);

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
	return done_testing();
}
