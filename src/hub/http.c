/* The HTTP client over libcurl: one request, its headers, body and retries. */
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
#include "version.h"

#include "hub/hub.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct http_client {
	struct hub *hub;
	CURL *curl;
};

struct xfer {
	const struct http_req *rq;
	struct http_resp *rs;
	struct hub *hub;
	bool sink_failed;
};

struct http_client *http_client_new(struct hub *h)
{
	struct http_client *c = xcalloc(1, sizeof(*c));

	c->hub = h;
	c->curl = curl_easy_init();
	if (!c->curl)
		abort(); /* only fails when out of memory */
	return c;
}

struct hub *http_client_hub(const struct http_client *c)
{
	return c->hub;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

static void resp_clear_headers(struct http_resp *rs)
{
	FREE_AND_NULL(rs->location);
	FREE_AND_NULL(rs->error_code);
	FREE_AND_NULL(rs->error_message);
	FREE_AND_NULL(rs->link);
	FREE_AND_NULL(rs->content_range);
	FREE_AND_NULL(rs->retry_after);
	FREE_AND_NULL(rs->etag);
	rs->content_length = -1;
	rs->status = 0;
}

void http_resp_release(struct http_resp *rs)
{
	resp_clear_headers(rs);
	FREE_AND_NULL(rs->url);
	strbuf_release(&rs->body);
}

/* The string headers kept in a struct http_resp, and where. */
static const struct {
	const char *name;
	size_t off;
} kept_headers[] = {
	{ "X-Error-Code", offsetof(struct http_resp, error_code) },
	{ "X-Error-Message", offsetof(struct http_resp, error_message) },
	{ "Link", offsetof(struct http_resp, link) },
	{ "Content-Range", offsetof(struct http_resp, content_range) },
	{ "Retry-After", offsetof(struct http_resp, retry_after) },
	{ "ETag", offsetof(struct http_resp, etag) },
};

static size_t on_header(char *buf, size_t size, size_t n, void *user)
{
	struct xfer *x = user;
	struct http_resp *rs = x->rs;
	size_t len = size * n, k;
	char *line = xstrndup(buf, len), *colon, *v;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (!strncmp(line, "HTTP/", 5)) {
		const char *sp = strchr(line, ' ');
		resp_clear_headers(rs);
		strbuf_reset(&rs->body);
		rs->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		free(line);
		return size * n;
	}
	colon = strchr(line, ':');
	if (colon) {
		*colon = '\0';
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		k = strlen(v);
		while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t'))
			v[--k] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(kept_headers); i++) {
			char **slot;

			if (strcasecmp(line, kept_headers[i].name))
				continue;
			slot = (char **)((char *)rs + kept_headers[i].off);
			free(*slot);
			*slot = xstrdup(v);
		}
		if (!strcasecmp(line, "Content-Length"))
			rs->content_length = strtoll(v, NULL, 10);
	}
	free(line);
	return size * n;
}

static size_t on_body(char *buf, size_t size, size_t n, void *user)
{
	struct xfer *x = user;
	struct http_resp *rs = x->rs;
	size_t len = size * n;

	if (rs->status >= 200 && rs->status < 300 && x->rq->sink) {
		if (!x->rq->sink(buf, len, rs, x->rq->sink_user)) {
			x->sink_failed = true;
			return 0;
		}
		return len;
	}
	if (rs->status >= 300 && rs->status < 400)
		return len; /* redirect bodies are discarded */
	if (rs->body.len + len > x->rq->body_cap) {
		if (x->rq->sink || rs->status >= 400)
			return len; /* error pages: keep the start only */
		x->sink_failed = true;
		return 0;
	}
	strbuf_add(&rs->body, buf, len);
	return len;
}

static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t d)
{
	struct xfer *x = user;

	(void)a, (void)b, (void)c, (void)d;
	return stop_requested(x->hub->stop);
}

int http_client_do(struct http_client *c, const struct http_req *rq,
		   struct http_resp *rs, enum hub_error *kind,
		   struct strbuf *err)
{
	CURL *e = c->curl;
	struct xfer x = { rq, rs, c->hub, false };
	char *url = xstrdup(rq->url);
	char ua[64];
	bool left = false; /* a hop of this chain left the endpoint */
	int hops;

	memset(rs, 0, sizeof(*rs));
	strbuf_init(&rs->body, 0);
	rs->content_length = -1;
	snprintf(ua, sizeof(ua), "mlxk/%s", MLXK_VERSION);
	for (hops = 0;; hops++) {
		struct curl_slist *hdr = NULL;
		struct strbuf h = STRBUF_INIT;
		CURLcode cc, setopt_failed = CURLE_OK;
		const char *setopt_name = NULL;
		char *loc = NULL;

		curl_easy_reset(e);
		/*
		 * libcurl is loaded at run time and may be older than its
		 * headers: every option must take, or the transfer is not
		 * the one we meant (SETOPT keeps the first refusal).
		 */
#define SETOPT(opt, val)                                            \
	do {                                                        \
		CURLcode sc_ = curl_easy_setopt(e, opt, val);       \
		if (sc_ != CURLE_OK && setopt_failed == CURLE_OK) { \
			setopt_failed = sc_;                        \
			setopt_name = #opt;                         \
		}                                                   \
	} while (0)
		SETOPT(CURLOPT_URL, url);
		SETOPT(CURLOPT_NOSIGNAL, 1L);
		SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
		SETOPT(CURLOPT_USERAGENT, ua);
		SETOPT(CURLOPT_CONNECTTIMEOUT, 10L);
		/* A stalled connection (no byte for 30 s) is an error. */
		SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SETOPT(CURLOPT_LOW_SPEED_TIME, 30L);
		SETOPT(CURLOPT_BUFFERSIZE, 256L * 1024);
#if LIBCURL_VERSION_NUM >= 0x075500
		/*
		 * Unknown before 7.85 (a run-time libcurl may be older): then
		 * the scheme of every redirect is checked by hand anyway
		 * (hub_redirect_allowed), and the endpoint is the user's.
		 */
		if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
		    CURLE_UNKNOWN_OPTION)
			SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
		SETOPT(CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
		SETOPT(CURLOPT_HEADERFUNCTION, on_header);
		SETOPT(CURLOPT_HEADERDATA, &x);
		SETOPT(CURLOPT_WRITEFUNCTION, on_body);
		SETOPT(CURLOPT_WRITEDATA, &x);
		SETOPT(CURLOPT_NOPROGRESS, 0L);
		SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
		SETOPT(CURLOPT_XFERINFODATA, &x);
		SETOPT(CURLOPT_ERRORBUFFER, rs->curl_error);
		if (rq->head)
			SETOPT(CURLOPT_NOBODY, 1L);
		/*
		 * The token goes to the endpoint only: a redirect to a CDN
		 * (presigned URL) or anywhere else never carries it, nor
		 * does the rest of a chain that has left, even back to the
		 * endpoint (as httpx and requests drop it for good).
		 */
		if (!hub_same_origin(url, c->hub->endpoint))
			left = true;
		if (c->hub->token && !left) {
			strbuf_addf(&h, "Authorization: Bearer %s",
				    c->hub->token);
			hdr = curl_slist_append(hdr, h.buf);
			memset(h.buf, 0, h.len);
		}
		if (rq->range_end > rq->range_from) {
			strbuf_setf(&h, "Range: bytes=%llu-%llu",
				    (unsigned long long)rq->range_from,
				    (unsigned long long)rq->range_end - 1);
			hdr = curl_slist_append(hdr, h.buf);
		} else if (rq->range_from > 0) {
			strbuf_setf(&h, "Range: bytes=%llu-",
				    (unsigned long long)rq->range_from);
			hdr = curl_slist_append(hdr, h.buf);
		}
		SETOPT(CURLOPT_HTTPHEADER, hdr);
#undef SETOPT
		rs->curl_error[0] = '\0';
		cc = setopt_failed != CURLE_OK ? setopt_failed
					       : curl_easy_perform(e);
		/* Wipe the header list: it held the token. */
		for (struct curl_slist *s = hdr; s; s = s->next)
			memset(s->data, 0, strlen(s->data));
		curl_slist_free_all(hdr);
		strbuf_release(&h);
		rs->curl_code = (int)cc;
		if (cc != CURLE_OK) {
			if (stop_requested(c->hub->stop)) {
				*kind = HUB_E_INTERRUPTED;
				error_set(err, "interrupted");
			} else if (x.sink_failed) {
				*kind = HUB_E_PROTOCOL;
				error_set(err, "transfer aborted");
			} else if (setopt_failed != CURLE_OK) {
				*kind = HUB_E_PROTOCOL;
				error_set(err,
					  "libcurl refused %s: %s (is it "
					  "older than mlxk was built for?)",
					  setopt_name,
					  curl_easy_strerror(setopt_failed));
			} else {
				struct strbuf u = STRBUF_INIT;
				hub_url_for_message(&u, url);
				*kind = HUB_E_NETWORK;
				error_set(err, "cannot fetch '%s': %s", u.buf,
					  rs->curl_error[0]
						  ? rs->curl_error
						  : curl_easy_strerror(cc));
				strbuf_release(&u);
			}
			free(url);
			return -1;
		}
		if (rs->status < 300 || rs->status >= 400 || rs->status == 304)
			break;
		if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc) !=
			    CURLE_OK ||
		    !loc) {
			/* A 3xx without Location is the final reply. */
			break;
		}
		if (hops >= HUB_MAX_REDIRECTS) {
			struct strbuf u = STRBUF_INIT;
			hub_url_for_message(&u, rq->url);
			*kind = HUB_E_PROTOCOL;
			error_set(err,
				  "too many redirects (more than %d) "
				  "fetching '%s'",
				  HUB_MAX_REDIRECTS, u.buf);
			strbuf_release(&u);
			free(url);
			return -1;
		}
		if (hub_redirect_allowed(url, loc, err) < 0) {
			*kind = HUB_E_PROTOCOL;
			free(url);
			return -1;
		}
		free(rs->location);
		rs->location = xstrdup(loc);
		free(url);
		url = xstrdup(loc);
	}
	rs->redirects = hops;
	rs->url = url;
	return 0;
}

bool http_retryable(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

unsigned hub_retry_after(const char *v, unsigned cap)
{
	char *end;
	long n;

	if (!v)
		return 0;
	n = strtol(v, &end, 10);
	if (end == v || n < 0)
		return 0; /* an HTTP date: let the backoff decide */
	return n > (long)cap ? cap : (unsigned)n;
}

bool hub_sleep(unsigned ms, volatile const int *stop)
{
	while (ms > 0) {
		unsigned step = ms > 50 ? 50 : ms;
		struct timespec ts = { 0, (long)step * 1000000L };

		if (stop_requested(stop))
			return false;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return !stop_requested(stop);
}
