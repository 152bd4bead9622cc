/*
 * One cached repo (models--org--name): its refs, its snapshots (revisions)
 * and the files of a snapshot with the blobs they point to.
 *
 * Nothing here follows a symbolic link found inside the repo: a snapshot
 * entry is classified by reading the link text, and a blob is opened in
 * blobs/ with O_NOFOLLOW. A link that leaves the repo's blobs/ folder is
 * reported, never opened.
 * Layer: cache/ (may use util/).
 */
#ifndef CACHE_REPO_H
#define CACHE_REPO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cache/cache.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum file_state {
	FILE_OK,       /* a readable regular file (through blobs/ if a link) */
	FILE_DANGLING, /* link into blobs/ whose blob is missing */
	FILE_OUTSIDE,  /* link that does not point into this repo's blobs/ */
	FILE_NOT_REGULAR, /* FIFO, device, socket, or blob that is not a file */
	FILE_UNREADABLE,  /* cannot be examined (permissions, I/O error) */
};

struct repo_file {
	char *path; /* relative to the snapshot, '/'-separated */
	char *blob; /* blob name when a link into blobs/, else NULL */
	char *link; /* link text when the entry is a symlink, else NULL */
	bool is_link;
	enum file_state state;
	uint64_t size; /* of the blob (or of the regular file) */
	time_t mtime;
	dev_t dev;
	ino_t ino;
};

struct repo_ref {
	char *name;   /* "main", "v1.0", "refs/pr/1" */
	char *commit; /* the 40-hex commit it names, or NULL if garbage */
	bool exact;   /* content is exactly 40 hex, without newline */
};

struct repo_rev {
	char *commit;	     /* snapshot folder name */
	time_t mtime;	     /* of the snapshot folder */
	struct strlist refs; /* names of the refs that point here */
	bool loaded;
	char *load_error; /* set when the snapshot could not be walked */
	int read_errno;	  /* its listing was cut short by a read error */
	struct repo_file *files;
	size_t nr_files, alloc_files;
};

struct repo {
	struct cache *cache;
	char *folder; /* models--org--name */
	char *name;   /* org/name */
	int fd;	      /* the repo folder (followed if it is a symlink) */
	bool is_symlink;
	bool has_snapshots; /* snapshots/ exists and is a directory */
	int blobs_fd;	    /* blobs/, or -1 */
	int blobs_errno;    /* why blobs/ could not be opened */
	int snaps_fd;	    /* snapshots/, or -1 */
	struct repo_ref *refs;
	size_t nr_refs, alloc_refs;
	struct repo_rev *revs; /* sorted by commit */
	size_t nr_revs, alloc_revs;
	/* A listing of refs/ or snapshots/ cut short by a read error: what
	 * is missing would look detached or unused (repo_open fails). */
	int list_errno;
	const char *list_what;
	struct strlist problems;   /* repo-level oddities, for health */
	struct strlist incomplete; /* blobs/ *.incomplete names */
};

/*
 * Open a repo folder of the cache and read its refs, snapshot names and
 * blobs/ *.incomplete names. File lists are loaded on demand.
 */
int repo_open(struct cache *c, const char *folder, struct repo *r,
	      struct strbuf *err);
void repo_close(struct repo *r);
/*
 * Close the repo's directory descriptors once its file lists are loaded:
 * repo_open_file then opens what it needs from the cache root each time,
 * so that a run over many repos holds no descriptor per repo (macOS's
 * default limit is 256).
 */
void repo_release_fds(struct repo *r);

/* Walk the snapshot of rev (once) and fill rev->files. */
int repo_load_files(struct repo *r, struct repo_rev *rev);

/*
 * The current revision: the one refs/main names when that snapshot exists,
 * otherwise the newest snapshot. NULL when there are no snapshots.
 */
struct repo_rev *repo_current(struct repo *r);
struct repo_rev *repo_rev_by_commit(struct repo *r, const char *commit);
/*
 * Does a snapshot of repo folder link blobs/<blob> (read afresh)? 1 yes,
 * 0 no, -1 when a snapshot cannot be read (then nobody can tell).
 */
int repo_blob_linked(struct cache *c, const char *folder, const char *blob);
struct repo_ref *repo_ref_by_name(struct repo *r, const char *name);
/*
 * Find a revision by ref name or commit-hash prefix (case-insensitive).
 * Returns 0 and sets *out; -1 with err set when none or several match.
 */
int repo_find_rev(struct repo *r, const char *spec, struct repo_rev **out,
		  struct strbuf *err);

struct repo_file *repo_file_by_path(struct repo_rev *rev, const char *path);
/* True when rev has a file (at any depth) whose base name matches glob. */
bool repo_rev_has_match(struct repo_rev *rev, const char *glob,
			bool top_level_only);
/*
 * Read a file of a revision (at most cap bytes). Only FILE_OK entries are
 * read: through blobs/ for links, by path without following links for
 * regular files.
 */
int repo_read_file(struct repo *r, struct repo_rev *rev, const char *path,
		   size_t cap, struct strbuf *out, struct strbuf *err);
/* Open a FILE_OK entry for reading; returns an fd or -1 with err set. */
int repo_open_file(struct repo *r, struct repo_rev *rev,
		   const struct repo_file *f, struct strbuf *err);

/*
 * Bytes of the revision, each blob counted once (and each regular file
 * in the snapshot), saturating at INT64_MAX.
 */
uint64_t repo_rev_size(struct repo_rev *rev);

/* The whole repo on disk, over all its revisions. */
struct repo_usage {
	uint64_t bytes;	 /* every blob linked by some revision once, plus
			    regular files in snapshots (as hf cache ls) */
	time_t accessed; /* newest atime of those blobs (0 if none) */
	time_t modified; /* newest mtime of those blobs or snapshots */
	size_t nr_revs;
};

/*
 * Walk every revision (loading its files) and add up what the repo holds
 * on disk. The atime is whatever the mount records (relatime, noatime).
 */
void repo_usage(struct repo *r, struct repo_usage *u);

/*
 * Parse the content of a ref file: a 40-hex commit, tolerating trailing
 * whitespace. Returns 0 with *commit (lowercase, to free) or -1 when it is
 * not a commit; *exact tells whether the content was exactly 40 hex.
 */
int repo_parse_ref(const char *buf, size_t len, char **commit, bool *exact);

/* True when s is a full 40-hex commit id. */
bool is_commit_hash(const char *s);

#endif
