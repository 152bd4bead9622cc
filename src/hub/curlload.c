/* Loading libcurl on first use (see curlload.h for why). */
#include "hub/curlload.h"

#ifdef MLXK_CURL_DLOPEN

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "util/banned.h"

/* Stand-ins used when libcurl cannot be loaded: every call fails. */
static CURLcode no_global_init(long flags)
{
	(void)flags;
	return CURLE_FAILED_INIT;
}

static void no_global_cleanup(void)
{
}

static CURL *no_easy_init(void)
{
	return NULL;
}

static void no_easy_handle(CURL *h)
{
	(void)h;
}

static CURLcode no_easy_setopt(CURL *h, CURLoption opt, ...)
{
	(void)h;
	(void)opt;
	return CURLE_FAILED_INIT;
}

static CURLcode no_easy_perform(CURL *h)
{
	(void)h;
	return CURLE_FAILED_INIT;
}

static CURLcode no_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	(void)h;
	(void)info;
	return CURLE_FAILED_INIT;
}

static const char *no_easy_strerror(CURLcode code)
{
	(void)code;
	return "libcurl could not be loaded";
}

static struct curl_slist *no_slist_append(struct curl_slist *l, const char *s)
{
	(void)l;
	(void)s;
	return NULL;
}

static void no_slist_free_all(struct curl_slist *l)
{
	(void)l;
}

static CURLU *no_url(void)
{
	return NULL;
}

static void no_url_cleanup(CURLU *u)
{
	(void)u;
}

static CURLUcode no_url_set(CURLU *u, CURLUPart part, const char *s,
			    unsigned int flags)
{
	(void)u;
	(void)part;
	(void)s;
	(void)flags;
	return CURLUE_OUT_OF_MEMORY;
}

static CURLUcode no_url_get(const CURLU *u, CURLUPart part, char **s,
			    unsigned int flags)
{
	(void)u;
	(void)part;
	(void)flags;
	if (s)
		*s = NULL;
	return CURLUE_OUT_OF_MEMORY;
}

static void no_free(void *p)
{
	(void)p;
}

static const struct curl_api missing = {
	no_global_init,	  no_global_cleanup, no_easy_init,	no_easy_handle,
	no_easy_handle,	  no_easy_setopt,    no_easy_perform,	no_easy_getinfo,
	no_easy_strerror, no_slist_append,   no_slist_free_all, no_url,
	no_url_cleanup,	  no_url_set,	     no_url_get,	no_free,
};

static struct curl_api loaded;
static const struct curl_api *api = &missing;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Each entry of the table with the libcurl symbol that fills it. */
static const struct {
	const char *symbol;
	size_t offset;
} symbols[] = {
	{ "curl_global_init", offsetof(struct curl_api, global_init) },
	{ "curl_global_cleanup", offsetof(struct curl_api, global_cleanup) },
	{ "curl_easy_init", offsetof(struct curl_api, easy_init) },
	{ "curl_easy_cleanup", offsetof(struct curl_api, easy_cleanup) },
	{ "curl_easy_reset", offsetof(struct curl_api, easy_reset) },
	{ "curl_easy_setopt", offsetof(struct curl_api, easy_setopt) },
	{ "curl_easy_perform", offsetof(struct curl_api, easy_perform) },
	{ "curl_easy_getinfo", offsetof(struct curl_api, easy_getinfo) },
	{ "curl_easy_strerror", offsetof(struct curl_api, easy_strerror) },
	{ "curl_slist_append", offsetof(struct curl_api, slist_append) },
	{ "curl_slist_free_all", offsetof(struct curl_api, slist_free_all) },
	{ "curl_url", offsetof(struct curl_api, url) },
	{ "curl_url_cleanup", offsetof(struct curl_api, url_cleanup) },
	{ "curl_url_set", offsetof(struct curl_api, url_set) },
	{ "curl_url_get", offsetof(struct curl_api, url_get) },
	{ "curl_free", offsetof(struct curl_api, free) },
};

static void load(void)
{
	/* The SONAME of libcurl 7 and 8; the dev symlink as a last resort. */
	static const char *const names[] = { "libcurl.so.4", "libcurl.so" };
	void *lib = NULL;

	for (size_t i = 0; !lib && i < sizeof(names) / sizeof(names[0]); i++)
		lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *e = dlerror();
		snprintf(load_error, sizeof(load_error),
			 "cannot load libcurl: %s", e ? e : "not found");
		return;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *fn = dlsym(lib, symbols[i].symbol);

		if (!fn) {
			snprintf(load_error, sizeof(load_error),
				 "libcurl has no %s (7.62 or newer needed)",
				 symbols[i].symbol);
			return;
		}
		/* POSIX guarantees a data pointer from dlsym converts. */
		memcpy((char *)&loaded + symbols[i].offset, &fn, sizeof(fn));
	}
	api = &loaded;
}

const struct curl_api *curl_api(void)
{
	pthread_once(&once, load);
	return api;
}

int curl_api_load(struct strbuf *err)
{
	if (curl_api() == &missing)
		return error_set(err, "%s", load_error);
	return 0;
}

#else

int curl_api_load(struct strbuf *err)
{
	(void)err;
	return 0;
}

#endif
