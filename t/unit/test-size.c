/* Unit tests: a revision's size counts each blob once and never wraps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cache/repo.h"

static void add(struct repo_rev *rev, const char *path, const char *blob,
		uint64_t size, enum file_state state)
{
	struct repo_file *f = &rev->files[rev->nr_files++];

	memset(f, 0, sizeof(*f));
	f->path = (char *)path;
	f->blob = (char *)blob;
	f->size = size;
	f->state = state;
}

int main(void)
{
	struct repo_file files[8];
	struct repo_rev rev;

	memset(&rev, 0, sizeof(rev));
	rev.files = files;
	add(&rev, "a", "b1", 100, FILE_OK);
	add(&rev, "b", "b1", 100, FILE_OK);
	add(&rev, "c", "b2", 20, FILE_OK);
	add(&rev, "d", NULL, 3, FILE_OK);
	add(&rev, "e", "b3", 5000, FILE_DANGLING);
	is_int((long long)repo_rev_size(&rev), 123,
	       "a shared blob counts once, broken files not at all");

	rev.nr_files = 0;
	add(&rev, "a", "s1", (uint64_t)INT64_MAX / 2 + 1, FILE_OK);
	add(&rev, "b", "s2", (uint64_t)INT64_MAX / 2 + 1, FILE_OK);
	add(&rev, "c", "s3", (uint64_t)INT64_MAX / 2 + 1, FILE_OK);
	add(&rev, "d", NULL, (uint64_t)INT64_MAX, FILE_OK);
	ok(repo_rev_size(&rev) == (uint64_t)INT64_MAX,
	   "huge sparse sizes saturate at INT64_MAX instead of wrapping");

	rev.nr_files = 0;
	is_int((long long)repo_rev_size(&rev), 0, "an empty revision is 0");
	return done_testing();
}
