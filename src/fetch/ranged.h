/*
 * One large file over several connections (inside src/fetch/ only).
 *
 * The missing bytes of the file start as unassigned ranges. A connection
 * that is free takes a piece from the front of the lowest one: pieces
 * start large (the unassigned bytes over twice the connections) and
 * shrink as the file fills, so the hashed prefix stays close behind the
 * data. Once every byte is assigned, a free connection splits the range
 * that will take longest to finish (bytes left over its rate) and takes
 * its upper half, as aria2 does. Every connection writes with pwrite into
 * the one blobs/<etag>.incomplete; a hasher thread follows the contiguous
 * prefix that has arrived (pread, so memory stays flat), and the finished
 * ranges are recorded beside the file (fetch/ranges.h) for a later run.
 * Layer: fetch/ (may use hub/, cache/, lock/, util/).
 */
#ifndef FETCH_RANGED_H
#define FETCH_RANGED_H

#include <stdbool.h>
#include <stdint.h>

#include "fetch/job.h"
#include "hub/hub.h"
#include "util/strbuf.h"

struct ranged;

/* Should this file be fetched in ranges? */
bool ranged_wanted(struct download *d, const struct dl_file *df);
/*
 * Fetch df into fd (its open blobs/<etag>.incomplete, under the blob's
 * lock) over as many connections as join. Returns 0 when fd holds the
 * verified blob (truncated to its size), 1 when the server cannot serve
 * ranges of one version (fd is then empty and the record gone: fetch it
 * over one connection), -1 with err set.
 */
int ranged_fetch(struct download *d, struct http_client *hc, struct dl_file *df,
		 int fd, struct strbuf *err);
/*
 * A worker with no file of its own helps a ranged file, if there is a
 * range to take. Call with d->mu held; returns false when there is none.
 * The help itself runs with d->mu released.
 */
bool ranged_help(struct download *d, struct http_client *hc);

#endif
