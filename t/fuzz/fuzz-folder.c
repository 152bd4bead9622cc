/* Fuzz the folder-name codec and the name@rev split. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "cache/resolve.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char *name, *folder, *base, *rev;

	name = cache_folder_to_name(s);
	if (name) {
		/* Decoding then encoding gives a real folder name back. */
		folder = cache_name_to_folder(name);
		if (!strchr(s + 8, '/') && strncmp(name, "models--", 8) &&
		    strcmp(folder, s))
			abort();
		free(folder);
	}
	free(name);
	folder = cache_name_to_folder(s);
	free(folder);
	(void)cache_folder_type(s);
	resolve_split(s, &base, &rev);
	free(base);
	free(rev);
	free(s);
	return 0;
}
