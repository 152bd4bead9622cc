/*
 * The names the cache gives things, in one place: repo folders
 * ("models--org--name"), lock files ("<key>.lock"), partial downloads
 * ("<etag>.incomplete", "<etag>.<8 hex>.incomplete", with the record of
 * finished ranges "<etag>.incomplete.ranges") and the temporary
 * files of atomic writes ("<name>.<8 hex>.tmp", "tmpXXXXXXXX.tmp").
 * Pure string rules: nothing here touches the file system.
 * Layer: cache/ (may use util/).
 */
#ifndef CACHE_NAMES_H
#define CACHE_NAMES_H

#include <stdbool.h>

/* "models--org--name" -> "org/name"; NULL if not a models-- folder. */
char *cache_folder_to_name(const char *folder);
/* "org/name" -> "models--org--name"; a models-- name passes through. */
char *cache_name_to_folder(const char *name);
/* "datasets--x--y" -> "dataset", or NULL when there is no type prefix. */
const char *cache_folder_type(const char *folder);

/* Whether name is a lock file's name: "<something>.lock". */
bool names_is_lock(const char *name);
/* "<key>.lock" for a blob's etag (or any lock key). A new string. */
char *names_lock_of(const char *key);

/* Whether name is a partial download: "<something>.incomplete". */
bool names_is_incomplete(const char *name);
/* "<etag>.incomplete": the partial file of a blob. A new string. */
char *names_incomplete_of(const char *etag);
/* "<etag>.<8 hex of tag>.incomplete": a process's own partial file (as
 * huggingface_hub >= 1.18 names them). A new string. */
char *names_incomplete_unique(const char *etag, unsigned long tag);
/* Whether name is "<etag>.<8 hex>.incomplete" for this etag. */
bool names_is_incomplete_unique_of(const char *name, const char *etag);
/*
 * "<etag>.incomplete.ranges": the finished ranges of a partial file that
 * is fetched as several ranges at once (fetch/ranges.h). A new string.
 */
char *names_ranges_of(const char *etag);
/* Whether name is such a record: "<something>.incomplete.ranges". */
bool names_is_ranges(const char *name);
/*
 * The blob name a .incomplete file belongs to: the part before
 * ".incomplete", or before ".<8 hex>.incomplete" (huggingface_hub >=
 * 1.18). Returns a new string, or NULL when name is not such a file.
 */
char *names_incomplete_etag(const char *name);
/*
 * The lock key of anything in blobs/: the name up to its first '.'
 * ("<etag>.incomplete", "<etag>.lock" and "<etag>" share one key).
 */
char *names_blob_key(const char *name);

/*
 * Whether name is the temporary file of an atomic write: in refs/ (trees
 * false) "<name>.<8 hex>.tmp"; in trees/ (trees true) also
 * huggingface_hub's mkstemp name "tmp<8 characters>.tmp".
 */
bool names_is_temp(const char *name, bool trees);

#endif
