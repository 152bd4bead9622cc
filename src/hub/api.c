/* The Hub API: revision info and tree listings, with retries. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#define RETRY_ATTEMPTS 5
#define RETRY_AFTER_CAP 30

#include "hub/hub.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

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
		unsigned wait = http_client_hub(c)->retry_base_ms
				<< (attempt - 1);
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
		if (!hub_sleep(wait, http_client_hub(c)->stop)) {
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
	if (http_client_hub(c)->offline) {
		*kind = HUB_E_OFFLINE;
		return error_set(err,
				 "cannot ask the Hub about '%s': offline "
				 "mode is on (HF_HUB_OFFLINE)",
				 repo);
	}
	strbuf_addf(&url, "%s/api/models/%s/revision/",
		    http_client_hub(c)->endpoint, repo);
	hub_pct_encode(&url, rev, false);
	if (get_json(c, url.buf, repo, rev, &rs, kind, err) < 0)
		goto out;
	root = json_loadb(rs.body.buf, rs.body.len, 0, NULL);
	sha = json_string_value(json_object_get(root, "sha"));
	if (!sha || !hub_is_lower_hex(sha, 40)) {
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
			      http_client_hub(c)->endpoint, repo, commit);
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
