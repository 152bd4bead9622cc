/* URLs of the Hub: building, resolving, comparing origins, repo ids. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hub/curlload.h"

#include "hub/hub.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

void hub_pct_encode(struct strbuf *out, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~' || (keep_slash && *p == '/')) {
			strbuf_addch(out, *p);
		} else {
			strbuf_addch(out, '%');
			strbuf_addch(out, hex[*p >> 4]);
			strbuf_addch(out, hex[*p & 15]);
		}
	}
}

char *hub_resolve_url(const struct hub *h, const char *repo, const char *rev,
		      const char *path)
{
	struct strbuf u = STRBUF_INIT;

	strbuf_addf(&u, "%s/%s/resolve/", h->endpoint, repo);
	hub_pct_encode(&u, rev, false);
	strbuf_addch(&u, '/');
	hub_pct_encode(&u, path, true);
	return strbuf_detach(&u, NULL);
}

/* scheme, host and port of url, lowercased; false if unparsable. */
static bool url_origin(const char *url, struct strbuf *out)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	bool ok = false;

	if (!u)
		return false;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
		    CURLUE_OK) {
		strbuf_addf(out, "%s://%s:%s", scheme, host, port);
		for (size_t i = 0; i < out->len; i++)
			out->buf[i] = (char)tolower((unsigned char)out->buf[i]);
		ok = true;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

char *hub_url_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *s = NULL, *out = NULL;

	if (!u)
		return NULL;
	/* A second URL set on a handle is resolved against the first. */
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

void hub_url_for_message(struct strbuf *out, const char *url)
{
	struct strbuf u = STRBUF_INIT;

	strbuf_add(&u, url, strcspn(url, "?#"));
	strbuf_redact_userinfo(&u);
	strbuf_addstr(out, u.buf);
	strbuf_release(&u);
}

/* The scheme of url, lowercased, into out; false if there is none. */
static bool url_scheme(const char *url, struct strbuf *out)
{
	size_t n = strcspn(url, ":/?#");

	if (!n || url[n] != ':')
		return false;
	for (size_t i = 0; i < n; i++)
		strbuf_addch(out, tolower((unsigned char)url[i]));
	return true;
}

int hub_redirect_allowed(const char *from, const char *to, struct strbuf *why)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, u = STRBUF_INIT;
	int ret = 0;

	if (!url_scheme(to, &b) ||
	    (strcmp(b.buf, "http") && strcmp(b.buf, "https"))) {
		hub_url_for_message(&u, to);
		ret = error_set(why,
				"refusing a redirect to '%s': only http and "
				"https are followed",
				u.buf);
	} else if (url_scheme(from, &a) && !strcmp(a.buf, "https") &&
		   !strcmp(b.buf, "http")) {
		hub_url_for_message(&u, to);
		ret = error_set(why,
				"refusing a redirect from https down to '%s'",
				u.buf);
	}
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&u);
	return ret;
}

bool hub_same_origin(const char *a, const char *b)
{
	struct strbuf oa = STRBUF_INIT, ob = STRBUF_INIT;
	bool same = url_origin(a, &oa) && url_origin(b, &ob) &&
		    !strcmp(oa.buf, ob.buf);

	strbuf_release(&oa);
	strbuf_release(&ob);
	return same;
}

int hub_check_repo_id(const char *id, struct strbuf *err)
{
	const char *slash = strchr(id, '/');
	const char *name = slash ? slash + 1 : id;

	if (!*id)
		return error_set(err, "Invalid model name: empty");
	if (strlen(name) > 96 || id[0] == '/' || id[strlen(id) - 1] == '/' ||
	    strstr(id, "//"))
		return error_set(err, "Invalid model name: must be <= 96 chars "
				      "and not contain leading/trailing or "
				      "double slashes");
	if (slash && strchr(slash + 1, '/'))
		return error_set(
			err, "Invalid model name '%s': expected ORG/NAME", id);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_./", *p))
			return error_set(err,
					 "Invalid model name '%s': unexpected "
					 "character '%c'",
					 id,
					 isprint((unsigned char)*p) ? *p : '?');
	if (strstr(id, "--") || strstr(id, ".."))
		return error_set(err,
				 "Invalid model name '%s': '--' and '..' are "
				 "not allowed",
				 id);
	return 0;
}
