/*
 * The state of one pull's downloads, shared by the download pipeline
 * (fetch/download.h) and the ranged fetch of large files
 * (fetch/ranged.h).
 * Layer: fetch/ (may use hub/, cache/, lock/, util/).
 */
#ifndef FETCH_JOB_H
#define FETCH_JOB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"
#include "hub/hub.h"

/* The default of pull --split-above: 64 MiB. */
#define DOWNLOAD_SPLIT_ABOVE (64ull << 20)

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
	int jobs; /* connections in all, >= 1 */
	/*
	 * Files of at least this many bytes come as several ranges at once
	 * (fetch/ranged.h); 0 never splits.
	 */
	uint64_t split_above;
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
	 * A file receiving bytes now, for the display: kept until it
	 * ends, so that the name does not flicker between parallel files.
	 */
	const struct dl_file *active;
	/*
	 * on_file and on_tick run under out_mu, never under mu: a stalled
	 * terminal must not stall the transfers. shown is the copy of the
	 * counters above that on_tick reads.
	 */
	pthread_mutex_t out_mu;
	struct {
		uint64_t bytes_done, bytes_net;
		size_t files_done;
		const char *active; /* its path, or NULL */
	} shown;
	volatile int interrupted; /* stop_request/stop_requested (atomic) */

	size_t next;		/* next file to hand out */
	size_t big_pending;	/* files handed out that may take helpers */
	struct ranged **ranged; /* files that take helpers right now */
	size_t nr_ranged, alloc_ranged;
	unsigned ring_depth; /* buffers per transfer */
};

/* Count bytes present (done, may be negative) and received (net). */
void download_progress(struct download *d, int64_t done, uint64_t net);
/* Count n bytes of df received from the network. */
void download_received(struct download *d, const struct dl_file *df,
		       uint64_t n);

#endif
