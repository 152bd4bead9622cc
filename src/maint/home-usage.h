/*
 * One view of the whole HuggingFace home: size, files and lock files of
 * each area (hub repos by type, the datasets cache by part and by dataset,
 * --local-dir folders, Xet by part, assets, modules), and what prune and
 * clean-locks could reclaim there. Read-only.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_HOME_USAGE_H
#define MAINT_HOME_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

struct home_part {
	char *name;	/* "models", "downloads", "shard-cache", a dataset... */
	uint64_t bytes; /* regular files, links not followed */
	uint64_t files; /* every entry but folders */
	uint64_t locks; /* *.lock regular files */
};

struct home_area {
	const char *kind; /* "hub", "datasets", "local_dir", "xet", ... */
	char *root;
	bool exists;
	struct home_part total;
	struct home_part *parts;
	size_t nr, alloc;
	/* What the cleaners would do now (dry runs). */
	uint64_t locks_removable; /* clean-locks: free and old */
	uint64_t prune_bytes, prune_inodes;
	bool has_prune;	     /* prune covers this area */
	char *prune_blocked; /* why part of it stays, or NULL */
};

struct home_usage {
	struct home_area *areas;
	size_t nr, alloc;
};

struct home_usage_opts {
	const char *hub;      /* hub cache root */
	const char *datasets; /* datasets cache root */
	const char *modules;
	const char *assets;
	const char *xet;
	char *const *local_dirs;
	size_t nr_local_dirs;
	long long older_than; /* clean-locks recency, seconds */
};

int home_usage_collect(const struct home_usage_opts *o, struct home_usage *u,
		       struct strbuf *err);
void home_usage_release(struct home_usage *u);

#endif
