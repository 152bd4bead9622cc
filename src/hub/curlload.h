/*
 * libcurl, loaded when a command first talks to the Hub.
 *
 * libcurl pulls in some thirty shared libraries (TLS, HTTP/2, IDN,
 * Kerberos, LDAP...), and the dynamic loader takes about 9 ms to map them
 * at every start. Most commands never use the network, so on Linux mlxk
 * does not link libcurl: this header turns the libcurl calls that hub.c
 * and pull.c make into calls through a table that curl_api() fills with
 * dlopen/dlsym on first use. Built with MLXK_CURL_DLOPEN undefined (the
 * default on macOS, or make CURL_DLOPEN=0), it is plain <curl/curl.h>.
 * Layer: hub/ (may use util/).
 */
#ifndef HUB_CURLLOAD_H
#define HUB_CURLLOAD_H

#include <curl/curl.h>

#include "util/strbuf.h"

/*
 * Make sure libcurl can be used. Returns 0, or -1 with err set (libcurl
 * missing or too old). Cheap after the first call.
 */
int curl_api_load(struct strbuf *err);

#ifdef MLXK_CURL_DLOPEN
struct curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *u);
	CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *s,
			     unsigned int flags);
	CURLUcode (*url_get)(const CURLU *u, CURLUPart part, char **s,
			     unsigned int flags);
	void (*free)(void *p);
};

/*
 * The loaded functions. If libcurl cannot be loaded, every entry is a
 * stand-in that fails (NULL handles, CURLE_FAILED_INIT), so callers see
 * an ordinary libcurl error; curl_api_load() gives the reason.
 */
const struct curl_api *curl_api(void);

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init (curl_api()->global_init)
#define curl_global_cleanup (curl_api()->global_cleanup)
#define curl_easy_init (curl_api()->easy_init)
#define curl_easy_cleanup (curl_api()->easy_cleanup)
#define curl_easy_reset (curl_api()->easy_reset)
#define curl_easy_setopt (curl_api()->easy_setopt)
#define curl_easy_perform (curl_api()->easy_perform)
#define curl_easy_getinfo (curl_api()->easy_getinfo)
#define curl_easy_strerror (curl_api()->easy_strerror)
#define curl_slist_append (curl_api()->slist_append)
#define curl_slist_free_all (curl_api()->slist_free_all)
#define curl_url (curl_api()->url)
#define curl_url_cleanup (curl_api()->url_cleanup)
#define curl_url_set (curl_api()->url_set)
#define curl_url_get (curl_api()->url_get)
#define curl_free (curl_api()->free)
#endif

#endif
