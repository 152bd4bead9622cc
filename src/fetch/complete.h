/*
 * What the cache already holds of a pull: whether a snapshot is complete,
 * and what is missing or half-fetched. Owns the completeness decision of
 * "mlxk pull", online (against the Hub's listing) and offline (the cache
 * alone). Read-only: nothing here changes the cache. Uses cache/ (repos,
 * trees/ listings), lock/ (probing blob locks) and hub/ (file filters).
 * Layer: fetch/ (may use hub/, cache/, lock/, util/).
 */
#ifndef FETCH_COMPLETE_H
#define FETCH_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

#include "cache/cache.h"
#include "fetch/download.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum fetch_have {
	/* The revision is not in the cache, or some wanted files were
	 * never fetched (an earlier --include): just download. */
	FETCH_HAVE_NONE,
	/* Damaged or half-fetched files: resuming needs a yes. */
	FETCH_HAVE_PARTIAL,
	/* Every wanted file is in the snapshot and sound. */
	FETCH_HAVE_ALL,
};

/*
 * What the cache holds of files (the wanted files of repo name at
 * commit). A partial file whose blob lock someone holds is not counted:
 * its writer is still at it, and the download will wait for the lock.
 * FETCH_HAVE_PARTIAL sets why ("Incomplete download: ...").
 */
enum fetch_have fetch_local_state(struct cache *c, const char *name,
				  const char *commit,
				  const struct dl_file *files, size_t n,
				  struct strbuf *why);

struct fetch_offline {
	bool complete;	 /* the cache holds the revision complete */
	char commit[41]; /* when complete: the snapshot's commit */
	int missing;	 /* wanted files the snapshot lacks; -1 unknown */
	size_t wanted;	 /* files of the listing the filters want */
};

/*
 * Offline, the cache alone decides. Complete when the revision (rev: a
 * ref or commit prefix; NULL for the current one) has a snapshot whose
 * files are all sound and, when the cache has the commit's listing
 * (trees/<commit>.json), holds every file include/exclude want from it.
 */
void fetch_offline_check(struct cache *c, const char *name, const char *rev,
			 const struct strlist *include,
			 const struct strlist *exclude,
			 struct fetch_offline *out);

#endif
