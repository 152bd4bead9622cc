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
#include "hub/hub.h"
#include "util/strbuf.h"

#define CACHEDIR_TAG_CONTENT                                                 \
	"Signature: 8a477f597d28d172789f06886806bc55\n"                      \
	"# This file is a cache directory tag created by huggingface_hub.\n" \
	"# For information about cache directory tags, see:\n"               \
	"#\thttps://bford.info/cachedir/\n"

enum dl_state {
	DL_PENDING,
	DL_CACHED, /* the blob was already there */
	DL_DONE,   /* downloaded and verified */
	DL_FAILED,
};

struct dl_file {
	const struct hub_file *f;
	enum dl_state state;
	uint64_t resumed_from; /* bytes found in blobs/<etag>.incomplete */
	uint64_t fetched;      /* bytes received over the network */
	char *error;	       /* why it failed, one line naming the file */
};

struct download;
typedef void (*dl_file_cb)(struct download *d, struct dl_file *f, void *u);
typedef void (*dl_tick_cb)(struct download *d, void *u);

struct download {
	/* Set by the caller before download_open. */
	struct cache *cache;
	struct hub *hub;
	const char *repo;   /* org/name */
	const char *commit; /* 40 hex */
	struct dl_file *files;
	size_t nr_files;
	int jobs;	    /* parallel transfers, >= 1 */
	dl_file_cb on_file; /* after each file, from a worker thread */
	dl_tick_cb on_tick; /* about every 100 ms, from the caller */
	void *user;

	/* Filled by download_open. */
	char *folder; /* models--org--name */
	int repo_fd, blobs_fd, snap_fd;
	uint64_t bytes_total;	/* of every wanted file */
	uint64_t bytes_missing; /* still to fetch (blobs and partials) */

	/* Progress of the transfers (under mu). */
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* signalled when a file is finished */
	uint64_t bytes_done; /* present in the cache or partial files */
	uint64_t bytes_net;  /* received in this run */
	size_t files_done;
	size_t files_failed;
	/*
	 * on_file and on_tick run under out_mu, never under mu: a stalled
	 * terminal must not stall the transfers. shown is the copy of the
	 * counters above that on_tick reads.
	 */
	pthread_mutex_t out_mu;
	struct {
		uint64_t bytes_done, bytes_net;
		size_t files_done;
	} shown;
	volatile int interrupted; /* stop_request/stop_requested (atomic) */

	size_t next;	     /* next file to hand out */
	unsigned ring_depth; /* buffers per transfer */
};

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
