/* The Hub as the environment configures it: endpoint, token, offline. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/path.h"

#include "hub/hub.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

bool hub_env_true(const char *v)
{
	static const char *const yes[] = { "1", "ON", "YES", "TRUE" };

	if (!v)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!strcasecmp(v, yes[i]))
			return true;
	return false;
}

void hub_clean_token(struct strbuf *tok)
{
	struct strbuf out = STRBUF_INIT;
	size_t a = 0, b;

	for (size_t i = 0; i < tok->len; i++)
		if (tok->buf[i] != '\r' && tok->buf[i] != '\n')
			strbuf_addch(&out, tok->buf[i]);
	b = out.len;
	while (a < b && isspace((unsigned char)out.buf[a]))
		a++;
	while (b > a && isspace((unsigned char)out.buf[b - 1]))
		b--;
	strbuf_reset(tok);
	strbuf_add(tok, out.buf + a, b - a);
	strbuf_release(&out);
}

static char *read_token(void)
{
	struct strbuf tok = STRBUF_INIT, path = STRBUF_INIT;
	const char *v;

	v = getenv("HF_TOKEN");
	if (!v || !*v)
		v = getenv("HUGGING_FACE_HUB_TOKEN");
	if (v && *v) {
		strbuf_addstr(&tok, v);
		hub_clean_token(&tok);
	}
	if (!tok.len) {
		const char *p = getenv("HF_TOKEN_PATH");
		if (p) {
			path_expand(p, &path);
		} else {
			struct strbuf home = STRBUF_INIT;
			const char *hh = getenv("HF_HOME");
			if (hh) {
				path_expand(hh, &home);
			} else {
				const char *x = getenv("XDG_CACHE_HOME");
				if (x)
					strbuf_addf(&home, "%s/huggingface", x);
				else
					path_expand("~/.cache/huggingface",
						    &home);
			}
			strbuf_addf(&path, "%s/token", home.buf);
			strbuf_release(&home);
		}
		strbuf_reset(&tok);
		if (fs_read_file_at(AT_FDCWD, path.buf, true, 64 * 1024, &tok,
				    NULL) < 0)
			strbuf_reset(&tok);
		hub_clean_token(&tok);
	}
	strbuf_release(&path);
	if (!tok.len) {
		strbuf_release(&tok);
		return NULL;
	}
	return strbuf_detach(&tok, NULL);
}

#define RETRY_BASE_DEFAULT_MS 200

/* Tests set a small base so that retries cost milliseconds, not seconds. */
static unsigned retry_base_ms(void)
{
	const char *v = getenv("MLXK_RETRY_BASE_MS");
	char *end;
	unsigned long ms;

	if (!v || !*v)
		return RETRY_BASE_DEFAULT_MS;
	errno = 0;
	ms = strtoul(v, &end, 10);
	if (errno || *end || ms > 60000)
		return RETRY_BASE_DEFAULT_MS;
	return (unsigned)ms;
}

void hub_init(struct hub *h)
{
	const char *ep = getenv("HF_ENDPOINT");
	const char *off = getenv("HF_HUB_OFFLINE");
	size_t n;

	memset(h, 0, sizeof(*h));
	h->endpoint = xstrdup(ep && *ep ? ep : HUB_DEFAULT_ENDPOINT);
	n = strlen(h->endpoint);
	while (n > 0 && h->endpoint[n - 1] == '/')
		h->endpoint[--n] = '\0';
	h->token = read_token();
	/* A non-empty HF_HUB_OFFLINE wins over TRANSFORMERS_OFFLINE. */
	if (!off || !*off)
		off = getenv("TRANSFORMERS_OFFLINE");
	h->offline = hub_env_true(off);
	h->retry_base_ms = retry_base_ms();
}

void hub_release(struct hub *h)
{
	free(h->endpoint);
	if (h->token) {
		/* Do not leave the secret lying around in freed memory. */
		volatile char *p = h->token;
		while (*p)
			*p++ = '\0';
		free(h->token);
	}
	memset(h, 0, sizeof(*h));
}
