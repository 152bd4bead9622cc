/* libFuzzer target: ETag normalisation and percent-encoding. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char *e = hub_normalize_etag(s);
	struct strbuf enc = STRBUF_INIT;

	if (strlen(e) > strlen(s) || (e[0] == '"' && strlen(e) > 0))
		__builtin_trap();
	hub_pct_encode(&enc, s, true);
	/* Only unreserved characters, '/' and %XX escapes come out. */
	for (size_t i = 0; i < enc.len; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
			    "yz"
			    "0123456789-._~/%",
			    enc.buf[i]))
			__builtin_trap();
	strbuf_release(&enc);
	free(e);
	free(s);
	return 0;
}
