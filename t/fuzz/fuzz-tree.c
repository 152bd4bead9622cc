/* libFuzzer target: one page of the Hub's tree listing. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hub/hub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hub_tree t = { 0 };
	struct strbuf err = STRBUF_INIT;

	if (hub_parse_tree((const char *)data, size, &t, &err) == 0) {
		/* Whatever was accepted must be safe to write. */
		for (size_t i = 0; i < t.nr; i++) {
			size_t n = strlen(t.files[i].etag);
			if (!hub_path_valid(t.files[i].path) ||
			    (n != 40 && n != 64))
				__builtin_trap();
		}
		if (hub_tree_check(&t, &err) < 0 && !err.len)
			__builtin_trap();
	}
	hub_tree_release(&t);
	strbuf_release(&err);
	return 0;
}
