/*
 * The HuggingFace Hub's HTTP API as huggingface_hub speaks it: endpoint,
 * token and offline mode from the environment, the revision and tree
 * endpoints, resolve URLs, and one HTTP exchange with redirects followed
 * by hand so that the token never leaves the endpoint's origin.
 *
 * The parsers (tree pages, Link headers, ETags, repo paths, globs) are
 * pure functions so that they can be unit-tested and fuzzed.
 * Layer: hub/ (may use util/).
 */
#ifndef HUB_HUB_H
#define HUB_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"
#include "util/strlist.h"

#define HUB_DEFAULT_ENDPOINT "https://huggingface.co"
#define HUB_MAX_REDIRECTS 10

struct hub {
	char *endpoint;		  /* no trailing '/' */
	char *token;		  /* NULL when there is none; never printed */
	bool offline;		  /* HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE */
	unsigned retry_base_ms;	  /* first backoff: MLXK_RETRY_BASE_MS */
	volatile const int *stop; /* set when the user interrupts */
};

/* What went wrong, so that commands can pick their JSON error type. */
enum hub_error {
	HUB_OK,
	HUB_E_NETWORK,	   /* connection, timeout, 5xx after retries */
	HUB_E_NOT_FOUND,   /* RepoNotFound, 404, 401 without a message */
	HUB_E_GATED,	   /* X-Error-Code: GatedRepo */
	HUB_E_DENIED,	   /* 401/403 otherwise */
	HUB_E_REVISION,	   /* RevisionNotFound */
	HUB_E_OFFLINE,	   /* something had to be fetched in offline mode */
	HUB_E_PROTOCOL,	   /* a reply we cannot use */
	HUB_E_INTERRUPTED, /* the user stopped it */
};

/*
 * Read HF_ENDPOINT, the token (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then
 * $HF_TOKEN_PATH or $HF_HOME/token), the offline switches and the retry
 * backoff base (MLXK_RETRY_BASE_MS, 0 to 60000, else 200; it doubles at
 * every retry).
 */
void hub_init(struct hub *h);
void hub_release(struct hub *h);
/* huggingface_hub's _is_true: 1/ON/YES/TRUE, case-insensitive. */
bool hub_env_true(const char *v);
/* Strip CR, LF and surrounding white space, as get_token() does. */
void hub_clean_token(struct strbuf *tok);

/* Percent-encode s; keep_slash keeps '/' (Python's quote(s, safe="/")). */
void hub_pct_encode(struct strbuf *out, const char *s, bool keep_slash);
/* {endpoint}/{repo}/resolve/{pct(rev)}/{pct(path, keep /)} */
char *hub_resolve_url(const struct hub *h, const char *repo, const char *rev,
		      const char *path);
/* True when url has the same scheme, host and port as the endpoint. */
bool hub_same_origin(const char *a, const char *b);
/*
 * May a redirect from url from be followed to url to? Only to http and
 * https, and never from https down to http. Returns 0, or -1 with why.
 */
int hub_redirect_allowed(const char *from, const char *to, struct strbuf *why);
/*
 * url as a message may show it: without its query (presigned CDN URLs
 * carry credentials there) and without a user name and password
 * (HF_ENDPOINT may hold them).
 */
void hub_url_for_message(struct strbuf *out, const char *url);

/* Is a repo id acceptable: "org/name" or "name", each segment <= 96. */
int hub_check_repo_id(const char *id, struct strbuf *err);

/* One file of a repo's tree, as the tree API lists it. */
struct hub_file {
	char *path;
	char *etag; /* blob name: lfs.oid for LFS files, oid otherwise */
	uint64_t size;
	bool lfs;	/* hashed with SHA-256; otherwise git-blob SHA-1 */
	char *blob_id;	/* git oid (of the pointer file for LFS), or NULL */
	char *xet_hash; /* 64 hex when the file is Xet-backed, or NULL */
};

struct hub_tree {
	struct hub_file *files;
	size_t nr, alloc;
};

void hub_tree_release(struct hub_tree *t);
/*
 * Parse one page of GET /api/models/{repo}/tree/{sha} and append its
 * files (directories are skipped). Every path is checked with
 * hub_path_valid and every blob name must be 40 (git) or 64 (LFS) hex
 * digits: a bad entry fails the whole page.
 */
int hub_parse_tree(const char *json, size_t len, struct hub_tree *t,
		   struct strbuf *err);
/*
 * Checks over the whole listing (every page): no path listed twice, and
 * no path that is a file and also the folder of another ("a" and "a/b"),
 * since one snapshot cannot hold both.
 */
int hub_tree_check(const struct hub_tree *t, struct strbuf *err);
/* No single file is larger than this (1 PiB): anything above is a lie. */
#define HUB_MAX_FILE_SIZE (1ULL << 50)
/*
 * The URL of the Link header's rel="next" entry, or NULL. Parses
 * '<url>; rel="next", <url2>; rel="prev"' forms.
 */
char *hub_link_next(const char *link);
/* ref resolved against the URL base (RFC 3986), or NULL if either is bad. */
char *hub_url_resolve(const char *base, const char *ref);
/*
 * huggingface_hub's _normalize_etag: strip a leading W/ and the quotes.
 * Returns a new string (possibly empty).
 */
char *hub_normalize_etag(const char *etag);
/*
 * A repo path we may create under snapshots/<commit>/: relative, no
 * empty, "." or ".." component, no backslash, no control character.
 */
bool hub_path_valid(const char *path);
/* Whether s[0..n) is n lower-case hex digits (a git or LFS hash). */
bool hub_is_lower_hex(const char *s, size_t n);
/*
 * fnmatch.fnmatchcase as huggingface_hub's filter_repo_objects uses it:
 * '*' crosses '/', a pattern ending in '/' gets '*' appended.
 */
bool hub_glob_match(const char *pattern, const char *path);
/* allow (if any) first, then ignore. */
bool hub_path_wanted(const char *path, const struct strlist *include,
		     const struct strlist *exclude);

/* The headers of a reply that matter here. */
struct http_resp {
	long status;
	char *location;		  /* absolute, when status is 3xx */
	char *error_code;	  /* X-Error-Code */
	char *error_message;	  /* X-Error-Message */
	char *link;		  /* Link */
	char *content_range;	  /* Content-Range */
	char *retry_after;	  /* Retry-After */
	char *etag;		  /* ETag, as sent */
	long long content_length; /* -1 when absent */
	struct strbuf body;	  /* body of non-streamed replies (capped) */
	int curl_code;		  /* CURLcode of the transfer */
	char curl_error[256];
	int redirects; /* redirects followed to get this reply */
	char *url;     /* the URL that gave this reply */
};

#define HTTP_RESP_INIT                                                        \
	{                                                                     \
		0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, STRBUF_INIT, \
			0, { 0 }, 0, NULL                                     \
	}

/*
 * Body sink for streamed 2xx replies: return false to abort the
 * transfer (the reason is the sink's business).
 */
typedef bool (*http_sink_fn)(const char *data, size_t len,
			     const struct http_resp *rs, void *user);

struct http_req {
	const char *url;
	bool head;
	uint64_t range_from; /* send Range: bytes=N- when > 0 */
	uint64_t range_end;  /* when > range_from: bytes=range_from-(end-1) */
	size_t body_cap;     /* max bytes kept in rs->body */
	http_sink_fn sink;   /* 2xx bodies go here when set */
	void *sink_user;
};

/* An HTTP client: one reusable libcurl handle (not thread-safe). */
struct http_client;

struct http_client *http_client_new(struct hub *h);
void http_client_free(struct http_client *c);
/* The Hub settings c was made with. */
struct hub *http_client_hub(const struct http_client *c);
void http_resp_release(struct http_resp *rs);
/*
 * One request, following up to HUB_MAX_REDIRECTS redirects by hand. The
 * token is sent only to the endpoint's origin, so a CDN never sees it.
 * Returns 0 when a final reply arrived (any status, in rs), -1 on a
 * transport error, too many redirects or an interruption (err says
 * which; *kind is HUB_E_NETWORK, HUB_E_PROTOCOL or HUB_E_INTERRUPTED).
 */
int http_client_do(struct http_client *c, const struct http_req *rq,
		   struct http_resp *rs, enum hub_error *kind,
		   struct strbuf *err);

/* Is this reply or transport failure worth retrying (5xx, 408, 429)? */
bool http_retryable(long status);
/* Seconds a Retry-After header asks for, capped; 0 if none. */
unsigned hub_retry_after(const char *v, unsigned cap);
/*
 * Sleep ms milliseconds unless *stop becomes set; returns false when
 * interrupted.
 */
bool hub_sleep(unsigned ms, volatile const int *stop);

/*
 * Describe an error reply of an API or resolve request for repo as one
 * line and classify it.
 */
enum hub_error hub_describe_error(const struct http_resp *rs, const char *repo,
				  const char *rev, struct strbuf *err);

/*
 * GET {endpoint}/api/models/{repo}/revision/{rev}: the commit it names.
 * Retries transient failures. *kind tells what failed.
 */
int hub_revision(struct http_client *c, const char *repo, const char *rev,
		 char commit[41], enum hub_error *kind, struct strbuf *err);
/* The whole recursive tree of commit, following Link pagination. */
int hub_list_tree(struct http_client *c, const char *repo, const char *commit,
		  struct hub_tree *t, enum hub_error *kind, struct strbuf *err);

#endif
