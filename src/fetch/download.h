/*
 * Verified, resumable, parallel blob downloads into the cache, with
 * huggingface_hub's layout and lock protocol: for every file, under the
 * flock of .locks/<repo>/<etag>.lock, bytes go to blobs/<etag>.incomplete
 * (resumed with Range from its size), are hashed on the way in, and only
 * a file of the right size and hash is renamed to blobs/<etag> and linked
 * from snapshots/<commit>/<path>.
 * Layer: fetch/ (may use hub/, cache/, lock/, util/).
 */
#ifndef FETCH_DOWNLOAD_H
#define FETCH_DOWNLOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache/cache.h"
#include "fetch/job.h"
#include "hub/hub.h"
#include "util/strbuf.h"

#define CACHEDIR_TAG_CONTENT                                                 \
	"Signature: 8a477f597d28d172789f06886806bc55\n"                      \
	"# This file is a cache directory tag created by huggingface_hub.\n" \
	"# For information about cache directory tags, see:\n"               \
	"#\thttps://bford.info/cachedir/\n"

/*
 * Create the repo folder, blobs/, snapshots/<commit>/ with every
 * directory the files need, CACHEDIR.TAG at the cache root if missing,
 * and refs/<ref> (unless ref is NULL or the commit itself; rewritten only
 * when its content changes). Call after everything remote succeeded, so
 * that a failed lookup leaves nothing behind.
 */
int download_open(struct download *d, const char *ref, struct strbuf *err);
/*
 * Fetch every file with d->jobs workers. Returns 0 when all files are in
 * place, -1 when some failed (see each file's error) or when interrupted
 * (d->interrupted).
 */
int download_run(struct download *d);
void download_close(struct download *d);

/* Free bytes on the cache's file system, or -1 if unknown. */
long long download_free_space(struct download *d);

/* The relative link target for a snapshot path: ../../(../)*blobs/<etag>. */
char *download_link_target(const char *path, const char *etag);

#endif
