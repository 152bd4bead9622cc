/*
 * Writing trees/<commit>.json after a pull (format: cache/trees.h).
 * Layer: fetch/ (may use hub/, cache/, lock/, util/).
 */
#ifndef FETCH_TREES_WRITE_H
#define FETCH_TREES_WRITE_H

#include "hub/hub.h"
#include "util/strbuf.h"

/*
 * Write the full listing t of commit, unless a readable one is there
 * already. TREES_WRITE_PARTIAL when the listing lacks a git oid the
 * format needs (nothing written), TREES_WRITE_FAILED with err set.
 */
enum trees_write_result {
	TREES_WRITE_FAILED = -1,
	TREES_WRITE_DONE = 0,
	TREES_WRITE_PARTIAL = 1,
};
enum trees_write_result trees_write(int repo_fd, const char *commit,
				    const struct hub_tree *t,
				    struct strbuf *err);

#endif
