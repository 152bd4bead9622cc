/* Fuzz the parsing of ref file contents (refs/main and friends). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *commit = NULL;
	bool exact = false;

	if (repo_parse_ref((const char *)data, size, &commit, &exact) == 0) {
		if (!is_commit_hash(commit))
			abort();
		if (exact && size != 40)
			abort();
	} else if (commit || exact) {
		abort();
	}
	free(commit);
	return 0;
}
