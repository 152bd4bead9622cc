/*
 * trees/<commit>.json: the tree listing of a commit, cached in the repo
 * folder by huggingface_hub (v1.22+) and by `mlxk pull`. A commit never
 * changes, so neither does its listing; readers use it to know which
 * files a complete snapshot has, and which hash each file must have.
 *
 *   {"format_version": 1,
 *    "files": {"<path>": {"size": N, "blob_id": "<git sha1>",
 *                         "lfs_sha256": "<sha256>", "lfs_size": N,
 *                         "xet_hash": "<64 hex>"}, ...}}
 *
 * Paths sorted, one-space indent, non-ASCII escaped: the bytes Python's
 * json.dump(indent=1) writes. lfs_* only for LFS files, xet_hash only for
 * Xet-backed ones.
 * Layer: cache/ (may use util/).
 */
#ifndef CACHE_TREES_H
#define CACHE_TREES_H

#include <jansson.h>

#include "util/strbuf.h"

/* The "files" object of trees/<commit>.json (format_version 1), or NULL. */
json_t *trees_load(int repo_fd, const char *commit);

/* The hash the listing gives for path: LFS SHA-256 first, else git. */
const char *trees_hash(json_t *files, const char *path);

#endif
