/* The Hub's HTTP API over libcurl, and the parsers of its replies. */
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
#include <jansson.h>

#include "cache/cache.h"
#include "util/hash.h"
#include "hub/hub.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "version.h"
#include "util/banned.h"

#define RETRY_ATTEMPTS 5
#define RETRY_BASE_MS 200
#define RETRY_AFTER_CAP 30

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
			cache_expand_path(p, &path);
		} else {
			struct strbuf home = STRBUF_INIT;
			const char *hh = getenv("HF_HOME");
			if (hh) {
				cache_expand_path(hh, &home);
			} else {
				const char *x = getenv("XDG_CACHE_HOME");
				if (x)
					strbuf_addf(&home, "%s/huggingface", x);
				else
					cache_expand_path(
						"~/.cache/huggingface", &home);
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

void hub_tree_release(struct hub_tree *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		free(t->files[i].path);
		free(t->files[i].etag);
		free(t->files[i].blob_id);
		free(t->files[i].xet_hash);
	}
	free(t->files);
	memset(t, 0, sizeof(*t));
}

bool hub_path_valid(const char *path)
{
	const char *p = path, *seg;

	if (!*path || *path == '/')
		return false;
	for (const char *q = path; *q; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20 || *q == 0x7f)
			return false;
	while (*p) {
		size_t n;

		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (*p == '/') {
			p++;
			if (!*p)
				return false; /* trailing slash */
		}
	}
	return true;
}

static bool lower_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

int hub_parse_tree(const char *json, size_t len, struct hub_tree *t,
		   struct strbuf *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	size_t i;
	json_t *it;
	int ret = -1;

	if (!root)
		return error_set(err, "bad tree listing: %s (line %d)",
				 jerr.text, jerr.line);
	if (!json_is_array(root)) {
		error_set(err, "bad tree listing: not a JSON array");
		goto out;
	}
	json_array_foreach(root, i, it)
	{
		const char *type, *path, *oid, *git, *xet;
		json_t *size, *lfs;
		struct hub_file f;

		type = json_string_value(json_object_get(it, "type"));
		path = json_string_value(json_object_get(it, "path"));
		if (!type || !path) {
			error_set(err,
				  "bad tree listing: entry %zu has no "
				  "type or path",
				  i);
			goto out;
		}
		if (strcmp(type, "file"))
			continue;
		if (!hub_path_valid(path)) {
			error_set(err, "refusing unsafe path in tree listing");
			goto out;
		}
		lfs = json_object_get(it, "lfs");
		if (json_is_object(lfs)) {
			oid = json_string_value(json_object_get(lfs, "oid"));
			size = json_object_get(lfs, "size");
			if (!size)
				size = json_object_get(it, "size");
		} else {
			lfs = NULL;
			oid = json_string_value(json_object_get(it, "oid"));
			size = json_object_get(it, "size");
		}
		if (!oid || !lower_hex(oid, lfs ? 64 : 40)) {
			error_set(err, "bad tree listing: '%s' has no valid %s",
				  path, lfs ? "lfs.oid" : "oid");
			goto out;
		}
		if (!json_is_integer(size) || json_integer_value(size) < 0) {
			error_set(err, "bad tree listing: '%s' has no size",
				  path);
			goto out;
		}
		if ((uint64_t)json_integer_value(size) > HUB_MAX_FILE_SIZE) {
			error_set(err,
				  "bad tree listing: '%s' claims an "
				  "implausible size (%lld bytes)",
				  path, (long long)json_integer_value(size));
			goto out;
		}
		/* Kept only for trees/<commit>.json; never trusted for paths.
		 */
		git = json_string_value(json_object_get(it, "oid"));
		xet = json_string_value(json_object_get(it, "xetHash"));
		f.path = xstrdup(path);
		f.etag = xstrdup(oid);
		f.size = (uint64_t)json_integer_value(size);
		f.lfs = lfs != NULL;
		f.blob_id = git && lower_hex(git, 40) ? xstrdup(git) : NULL;
		f.xet_hash = xet && lower_hex(xet, 64) ? xstrdup(xet) : NULL;
		ALLOC_GROW(t->files, t->nr + 1, t->alloc);
		t->files[t->nr++] = f;
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool sorted_has(char **v, size_t n, const char *key)
{
	return bsearch(&key, v, n, sizeof(*v), cmp_str) != NULL;
}

int hub_tree_check(const struct hub_tree *t, struct strbuf *err)
{
	char **paths = xcalloc(t->nr ? t->nr : 1, sizeof(*paths));
	int ret = 0;

	for (size_t i = 0; i < t->nr; i++)
		paths[i] = t->files[i].path;
	qsort(paths, t->nr, sizeof(*paths), cmp_str);
	for (size_t i = 0; !ret && i + 1 < t->nr; i++)
		if (!strcmp(paths[i], paths[i + 1]))
			ret = error_set(err,
					"bad tree listing: '%s' is listed "
					"twice",
					paths[i]);
	/* Every folder of every path must not be a file too. */
	for (size_t i = 0; !ret && i < t->nr; i++) {
		char *dir = xstrdup(paths[i]);

		for (char *s = strrchr(dir, '/'); s; s = strrchr(dir, '/')) {
			*s = '\0';
			if (sorted_has(paths, t->nr, dir)) {
				ret = error_set(err,
						"bad tree listing: '%s' is "
						"both a file and the folder "
						"of '%s'",
						dir, paths[i]);
				break;
			}
		}
		free(dir);
	}
	free(paths);
	return ret;
}

/* Does a rel value (space-separated relation types) list "next"? */
static bool rel_has_next(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t w = 0;

		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		while (i + w < n && v[i + w] != ' ' && v[i + w] != '\t')
			w++;
		if (w == 4 && !strncasecmp(v + i, "next", 4))
			return true;
		i += w;
	}
	return false;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * RFC 8288: link-value = "<" URI ">" *( ";" param ), separated by ",";
 * a param is token [ "=" ( token / quoted-string ) ].
 */
char *hub_link_next(const char *link)
{
	const char *p = link;

	for (;;) {
		const char *lt, *gt;
		bool next = false;

		p = skip_ws(p);
		while (*p == ',')
			p = skip_ws(p + 1);
		if (*p != '<')
			return NULL;
		lt = p;
		gt = strchr(lt, '>');
		if (!gt)
			return NULL;
		p = skip_ws(gt + 1);
		while (*p == ';') {
			const char *name = skip_ws(p + 1), *v;
			size_t nlen = strcspn(name, "=;, \t"), vlen = 0;

			p = skip_ws(name + nlen);
			v = p;
			if (*p == '=') {
				p = skip_ws(p + 1);
				if (*p == '"') {
					v = ++p;
					while (*p && *p != '"') {
						if (*p == '\\' && p[1])
							p++;
						p++;
					}
					vlen = (size_t)(p - v);
					if (*p == '"')
						p++;
				} else {
					v = p;
					vlen = strcspn(p, ";, \t");
					p += vlen;
				}
			}
			if (nlen == 3 && !strncasecmp(name, "rel", 3) &&
			    rel_has_next(v, vlen))
				next = true;
			p = skip_ws(p);
		}
		if (next)
			return xstrndup(lt + 1, (size_t)(gt - lt - 1));
		if (*p != ',')
			return NULL;
	}
}

char *hub_normalize_etag(const char *etag)
{
	const char *p = etag;
	size_t n;

	/* Python's lstrip("W/"): a set of characters, not a prefix. */
	while (*p == 'W' || *p == '/')
		p++;
	while (*p == '"')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '"')
		n--;
	return xstrndup(p, n);
}

/*
 * Does the single-character pattern at pat (literal, '?' or a [set])
 * match c? *len receives the pattern's length.
 */
static bool match_one(const char *pat, char c, size_t *len)
{
	const char *q, *start;
	bool neg = false, hit = false;

	*len = 1;
	if (*pat == '?')
		return true;
	if (*pat != '[')
		return *pat == c;
	q = pat + 1;
	if (*q == '!') {
		neg = true;
		q++;
	}
	start = q;
	/* A ']' first in the set is literal. */
	while (*q && (*q != ']' || q == start))
		q++;
	if (!*q)
		return c == '['; /* no closing ']': a literal '[' */
	for (const char *m = start; m < q; m++) {
		if (m + 2 < q && m[1] == '-') {
			if ((unsigned char)c >= (unsigned char)m[0] &&
			    (unsigned char)c <= (unsigned char)m[2])
				hit = true;
			m += 2;
		} else if (*m == c) {
			hit = true;
		}
	}
	*len = (size_t)(q - pat) + 1;
	return hit != neg;
}

/*
 * fnmatch.fnmatchcase: '*' and '?' match '/', no escapes. Iterative with
 * one backtracking point, so hostile patterns cost O(n*m), not 2^n.
 */
static bool glob_at(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		size_t len;

		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			star_p = pat;
			star_s = s;
			continue;
		}
		if (*pat && match_one(pat, *s, &len)) {
			pat += len;
			s++;
			continue;
		}
		if (!star_p)
			return false;
		pat = star_p;
		s = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

bool hub_glob_match(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);
	bool ok;

	if (n && pattern[n - 1] == '/') {
		char *p = xasprintf("%s*", pattern);
		ok = glob_at(p, path);
		free(p);
		return ok;
	}
	return glob_at(pattern, path);
}

bool hub_path_wanted(const char *path, const struct strlist *include,
		     const struct strlist *exclude)
{
	bool want = !include || include->nr == 0;

	for (size_t i = 0; !want && i < include->nr; i++)
		if (hub_glob_match(include->items[i], path))
			want = true;
	for (size_t i = 0; want && exclude && i < exclude->nr; i++)
		if (hub_glob_match(exclude->items[i], path))
			want = false;
	return want;
}

/* The HTTP client. */

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
	rs->content_length = -1;
	rs->status = 0;
}

void http_resp_release(struct http_resp *rs)
{
	resp_clear_headers(rs);
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

/* Strip the query: presigned CDN URLs carry credentials there. */
static void url_for_message(struct strbuf *out, const char *url)
{
	strbuf_add(out, url, strcspn(url, "?#"));
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
		CURLcode cc;
		char *loc = NULL;

		curl_easy_reset(e);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(e, CURLOPT_USERAGENT, ua);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
		/* A stalled connection (no byte for 30 s) is an error. */
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
		curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
		curl_easy_setopt(e, CURLOPT_PROTOCOLS,
				 CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, &x);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, rs->curl_error);
		if (rq->head)
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
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
		if (rq->range_from > 0) {
			strbuf_setf(&h, "Range: bytes=%llu-",
				    (unsigned long long)rq->range_from);
			hdr = curl_slist_append(hdr, h.buf);
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
		rs->curl_error[0] = '\0';
		cc = curl_easy_perform(e);
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
			} else {
				struct strbuf u = STRBUF_INIT;
				url_for_message(&u, url);
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
			url_for_message(&u, rq->url);
			*kind = HUB_E_PROTOCOL;
			error_set(err,
				  "too many redirects (more than %d) "
				  "fetching '%s'",
				  HUB_MAX_REDIRECTS, u.buf);
			strbuf_release(&u);
			free(url);
			return -1;
		}
		free(rs->location);
		rs->location = xstrdup(loc);
		free(url);
		url = xstrdup(loc);
	}
	rs->redirects = hops;
	free(url);
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

enum hub_error hub_describe_error(const struct http_resp *rs, const char *repo,
				  const char *rev, struct strbuf *err)
{
	const char *code = rs->error_code ? rs->error_code : "";
	const char *msg = rs->error_message;

	if (!strcmp(code, "GatedRepo")) {
		error_set(err,
			  "access denied: '%s' is a gated or private "
			  "model; accept its terms on the Hub and set "
			  "HF_TOKEN",
			  repo);
		return HUB_E_GATED;
	}
	if (!strcmp(code, "EntryNotFound")) {
		error_set(err, "the Hub has no such file in '%s' at '%s'", repo,
			  rev ? rev : "main");
		return HUB_E_NOT_FOUND;
	}
	if (!strcmp(code, "RevisionNotFound")) {
		error_set(err, "revision '%s' not found in '%s'",
			  rev ? rev : "main", repo);
		return HUB_E_REVISION;
	}
	if (msg && strstr(msg, "Invalid credentials")) {
		error_set(err,
			  "access denied to '%s': the token was refused "
			  "(check HF_TOKEN)",
			  repo);
		return HUB_E_DENIED;
	}
	if (!strcmp(code, "RepoNotFound") || rs->status == 401 ||
	    rs->status == 404) {
		error_set(err,
			  "repository '%s' not found (if it is private "
			  "or gated, set HF_TOKEN)",
			  repo);
		return HUB_E_NOT_FOUND;
	}
	if (rs->status == 403) {
		error_set(err, "access denied to '%s' (set HF_TOKEN)", repo);
		return HUB_E_DENIED;
	}
	error_set(err, "the Hub answered HTTP %ld for '%s'%s%s", rs->status,
		  repo, msg ? ": " : "", msg ? msg : "");
	return http_retryable(rs->status) ? HUB_E_NETWORK : HUB_E_PROTOCOL;
}

/* GET url with retries; the reply's body ends up in rs->body. */
static int get_json(struct http_client *c, const char *url, const char *repo,
		    const char *rev, struct http_resp *rs, enum hub_error *kind,
		    struct strbuf *err)
{
	struct http_req rq = { 0 };

	rq.url = url;
	rq.body_cap = 64u << 20;
	for (int attempt = 1;; attempt++) {
		unsigned wait = RETRY_BASE_MS << (attempt - 1);
		bool retry;

		strbuf_reset(err);
		if (http_client_do(c, &rq, rs, kind, err) < 0) {
			retry = *kind == HUB_E_NETWORK;
		} else if (rs->status >= 200 && rs->status < 300) {
			return 0;
		} else {
			*kind = hub_describe_error(rs, repo, rev, err);
			retry = http_retryable(rs->status);
			if (retry && rs->retry_after)
				wait = 1000 * hub_retry_after(rs->retry_after,
							      RETRY_AFTER_CAP);
		}
		if (!retry || attempt >= RETRY_ATTEMPTS)
			return -1;
		http_resp_release(rs);
		if (!hub_sleep(wait, c->hub->stop)) {
			*kind = HUB_E_INTERRUPTED;
			strbuf_reset(err);
			error_set(err, "interrupted");
			memset(rs, 0, sizeof(*rs));
			strbuf_init(&rs->body, 0);
			return -1;
		}
	}
}

int hub_revision(struct http_client *c, const char *repo, const char *rev,
		 char commit[41], enum hub_error *kind, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT;
	struct http_resp rs = HTTP_RESP_INIT;
	json_t *root = NULL;
	const char *sha;
	int ret = -1;

	*kind = HUB_OK;
	if (c->hub->offline) {
		*kind = HUB_E_OFFLINE;
		return error_set(err,
				 "cannot ask the Hub about '%s': offline "
				 "mode is on (HF_HUB_OFFLINE)",
				 repo);
	}
	strbuf_addf(&url, "%s/api/models/%s/revision/", c->hub->endpoint, repo);
	hub_pct_encode(&url, rev, false);
	if (get_json(c, url.buf, repo, rev, &rs, kind, err) < 0)
		goto out;
	root = json_loadb(rs.body.buf, rs.body.len, 0, NULL);
	sha = json_string_value(json_object_get(root, "sha"));
	if (!sha || !lower_hex(sha, 40)) {
		*kind = HUB_E_PROTOCOL;
		error_set(err,
			  "the Hub's answer for '%s@%s' has no valid "
			  "commit hash",
			  repo, rev);
		goto out;
	}
	memcpy(commit, sha, 41);
	ret = 0;
out:
	json_decref(root);
	http_resp_release(&rs);
	strbuf_release(&url);
	return ret;
}

int hub_list_tree(struct http_client *c, const char *repo, const char *commit,
		  struct hub_tree *t, enum hub_error *kind, struct strbuf *err)
{
	char *url = xasprintf("%s/api/models/%s/tree/%s?recursive=true&"
			      "expand=false",
			      c->hub->endpoint, repo, commit);
	struct strlist seen = STRLIST_INIT;
	int ret = -1;

	*kind = HUB_OK;
	while (url) {
		struct http_resp rs = HTTP_RESP_INIT;
		char *next, *page;

		/*
		 * A page that links back to one already read would list the
		 * same files forever; a loop through new URLs is caught by
		 * the duplicate check below, or by this bound.
		 */
		if (strlist_has(&seen, url) || seen.nr >= 10000) {
			*kind = HUB_E_PROTOCOL;
			error_set(err,
				  "tree listing of '%s' does not end (its "
				  "pages link back to each other)",
				  repo);
			break;
		}
		strlist_push(&seen, url);
		/*
		 * A next page on another host (a mirror that kept the Hub's
		 * links) is fetched like any URL: without the token.
		 */
		if (get_json(c, url, repo, commit, &rs, kind, err) < 0) {
			http_resp_release(&rs);
			break;
		}
		if (hub_parse_tree(rs.body.buf, rs.body.len, t, err) < 0) {
			*kind = HUB_E_PROTOCOL;
			http_resp_release(&rs);
			break;
		}
		next = rs.link ? hub_link_next(rs.link) : NULL;
		page = url;
		url = NULL;
		if (next) {
			/* A relative link is relative to the page (RFC 8288).
			 */
			url = hub_url_resolve(page, next);
			if (!url) {
				error_set(err,
					  "bad tree listing: its next link "
					  "is not a URL");
				*kind = HUB_E_PROTOCOL;
			}
			free(next);
		} else if (hub_tree_check(t, err) < 0) {
			*kind = HUB_E_PROTOCOL;
		} else {
			ret = 0;
		}
		free(page);
		http_resp_release(&rs);
	}
	strlist_clear(&seen);
	free(url);
	return ret;
}
