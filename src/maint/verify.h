/*
 * Offline content verification: every file of the selected revisions is
 * re-hashed and compared with the hash its blob name states (64 hex:
 * SHA-256 of the content; 40 hex: git blob SHA-1). Regular files in a
 * snapshot (no-symlink mode) are checked against trees/<commit>.json when
 * that listing knows them, else reported as unverifiable.
 *
 * Each distinct file (same device and inode) is hashed once, however many
 * snapshot entries name it, by a pool of worker threads.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_VERIFY_H
#define MAINT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/repo.h"
#include "util/strbuf.h"

enum verify_status {
	VERIFY_OK,	     /* content matches its expected hash */
	VERIFY_CORRUPT,	     /* content differs from its expected hash */
	VERIFY_UNVERIFIABLE, /* no expected hash known */
	VERIFY_UNREADABLE,   /* missing blob, unreadable, not a file */
};

struct verify_file {
	char *path; /* relative to the snapshot */
	enum verify_status status;
	char expected[65]; /* lowercase hex, empty when unknown */
	char actual[65];   /* lowercase hex, empty when not hashed */
	char *reason;	   /* why unreadable or unverifiable, or NULL */
	size_t task;	   /* internal: index of its hashing task */
};

/* One revision to verify. repo and rev stay owned by the caller. */
struct verify_target {
	struct repo *repo;
	struct repo_rev *rev;
	char *load_error; /* the snapshot could not be walked fully */
	struct verify_file *files;
	size_t nr_files;
	size_t nr_ok, nr_corrupt, nr_unverifiable, nr_unreadable;
};

struct verify_progress {
	uint64_t bytes_done, bytes_total;
	size_t files_done, files_total;
	double elapsed; /* seconds since hashing started */
};

/*
 * Called from the thread that runs verify_run, at most every
 * interval_ms milliseconds while workers hash, and once at the end.
 */
typedef void (*verify_progress_fn)(const struct verify_progress *p, void *arg);

struct verify_opts {
	int workers; /* 0: one per online CPU */
	volatile const int *stop;
	verify_progress_fn progress;
	void *progress_arg;
	int interval_ms; /* 0: 100 */
};

struct verify_stats {
	size_t files, ok, corrupt, unverifiable, unreadable;
	size_t hashed_files; /* distinct files actually read */
	uint64_t bytes;	     /* bytes read */
	double seconds;
	int workers;
};

/*
 * Prepare a target for repo/rev: walks the snapshot (repo_load_files) and
 * works out the expected hash of every file.
 */
void verify_target_init(struct verify_target *t, struct repo *r,
			struct repo_rev *rev);
void verify_target_release(struct verify_target *t);

/*
 * Hash every file of the targets and fill in their status. Returns 0, or
 * -1 with err set when stopped through opts->stop (the results are then
 * incomplete) or when no worker thread could be started.
 */
int verify_run(struct verify_target *t, size_t nr,
	       const struct verify_opts *opts, struct verify_stats *stats,
	       struct strbuf *err);

/* The number of online CPUs, at least 1. */
int verify_default_workers(void);

#endif
