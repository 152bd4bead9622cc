/*
 * The record of finished byte ranges kept beside a partial blob that is
 * fetched as several ranges at once: blobs/<etag>.incomplete.ranges.
 *
 * While such a download is under way, or stopped, blobs/<etag>.incomplete
 * is one byte longer than the blob: huggingface_hub up to 1.17 resumes a
 * partial file from its size, and a size past the end makes it fail
 * (416) instead of appending after a hole. The record is believed only
 * when the partial file has exactly that size; a partial file without a
 * believable record is a contiguous prefix, as always.
 * Layer: fetch/ (may use hub/, cache/, lock/, util/).
 */
#ifndef FETCH_RANGES_H
#define FETCH_RANGES_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

struct range {
	uint64_t a, b; /* [a, b) */
};

/* Sorted, disjoint, non-adjacent ranges. */
struct rangeset {
	struct range *v;
	size_t nr, alloc;
};

#define RANGESET_INIT      \
	{                  \
		NULL, 0, 0 \
	}

void rangeset_add(struct rangeset *s, uint64_t a, uint64_t b);
void rangeset_release(struct rangeset *s);
uint64_t rangeset_bytes(const struct rangeset *s);
/* Where the range that starts at byte 0 ends (0 if there is none). */
uint64_t rangeset_prefix(const struct rangeset *s);

/*
 * The record's text: "mlxk-ranges 1 <size>\n" then "<a> <b>\n" per
 * range. Parsing refuses anything else, ranges out of order, overlapping
 * or past size.
 */
void ranges_format(const struct rangeset *s, uint64_t size, struct strbuf *out);
int ranges_parse(const char *buf, size_t len, uint64_t size,
		 struct rangeset *out);

/*
 * Load the record of blobs/<etag>.incomplete when it is believable (see
 * above). Returns 0 with out filled, -1 when there is none to believe.
 */
int ranges_load(int blobs_fd, const char *etag, uint64_t size,
		struct rangeset *out);
/* Write the record atomically (temporary file, rename). */
int ranges_store(int blobs_fd, const char *etag, const struct strbuf *text,
		 struct strbuf *err);
void ranges_remove(int blobs_fd, const char *etag);

#endif
