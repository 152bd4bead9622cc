/* libFuzzer target: the Link header's rel="next" parser and globs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char *next = hub_link_next(s);
	char *mid = strchr(s, '\n');

	/* The URL comes from between angle brackets of the input. */
	if (next && (strlen(next) >= size || strchr(next, '>')))
		__builtin_trap();
	free(next);
	/* Split at the first newline: a glob and a path. */
	if (mid) {
		*mid = '\0';
		(void)hub_glob_match(s, mid + 1);
	}
	(void)hub_path_valid(s);
	free(s);
	return 0;
}
