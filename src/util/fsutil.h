/*
 * File helpers that work relative to directory file descriptors and never
 * follow a symbolic link unless told to: the cache may hold hostile links,
 * and nothing here may read, write or delete outside the directory given.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_FSUTIL_H
#define UTIL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/strbuf.h"

#ifndef O_DIRECTORY
#define O_DIRECTORY 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* Open directory name under dirfd, refusing a symlink (ELOOP/ENOTDIR). */
int fs_opendir_at(int at, const char *name);
/* Open directory name under dirfd, following a symlink if it is one. */
int fs_opendir_follow_at(int at, const char *name);
/*
 * Open a '/'-separated relative path under dirfd one component at a time
 * with O_NOFOLLOW, so no link on the way is followed. flags are applied
 * to the last component (O_NOFOLLOW is always added).
 */
int fs_open_path_at(int at, const char *relpath, int flags);
/*
 * Read a regular file of at most cap bytes. Anything that is not a regular
 * file (FIFO, device, directory) is refused without blocking. With
 * follow=false a symlink is refused too.
 */
int fs_read_file_at(int at, const char *relpath, bool follow, size_t cap,
		    struct strbuf *out, struct strbuf *err);
/* Same, for an already opened descriptor (it is not closed). */
int fs_read_fd(int fd, const char *what, size_t cap, struct strbuf *out,
	       struct strbuf *err);
/*
 * Read the first size bytes of a file whose size a stat just gave (at most
 * cap), without another stat or a read to find the end: a file that grew
 * since is cut at size, one that shrank is read to its end.
 */
int fs_read_sized(int fd, const char *what, uint64_t size, size_t cap,
		  struct strbuf *out, struct strbuf *err);
/*
 * Write data to name under dirfd atomically: a unique temporary file in
 * the same directory, fsync, rename. mode is passed to open (umask applies).
 */
int fs_write_atomic_at(int at, const char *name, const void *data, size_t len,
		       mode_t mode, struct strbuf *err);
/*
 * 32 unpredictable bits for temporary names (getrandom or arc4random, not
 * random(): an unseeded sequence lets anyone plant every name first).
 */
uint32_t fs_random32(void);
/* Create every directory of relpath under dirfd (like mkdir -p). */
int fs_mkdirs_at(int at, const char *relpath, mode_t mode, struct strbuf *err);
/*
 * Remove name under dirfd and, if it is a real directory, everything in it.
 * Symbolic links are unlinked, never followed. On failure err names the
 * entry that could not be removed; the rest stays as it was.
 */
int fs_remove_tree_at(int at, const char *name, const char *display,
		      struct strbuf *err);
/* Total st_size of regular files below a real directory (links not followed).
 */
int fs_tree_size_at(int at, const char *name, unsigned long long *bytes);
/*
 * Listing a directory from an open descriptor. On Linux the entries are
 * read with getdents64 straight into a buffer; elsewhere through
 * fdopendir. fdopendir costs an fstat and two fcntl per directory, and a
 * listing of the cache opens thousands of directories.
 */
struct fs_dirent {
	const char *name;
	unsigned char type; /* DT_DIR, DT_LNK, ... or DT_UNKNOWN */
};

struct fs_dir {
	int fd;
	bool own; /* close fd in fs_dir_close */
	struct fs_dirent ent;
	char *buf;
	size_t pos, len;
	void *dir; /* DIR * of the portable version */
	int error; /* errno of a failed read: the listing is incomplete */
};

/*
 * List directory fd, which must not have been read from before (a fresh
 * descriptor: listings do not rewind, which saves a system call per
 * directory). With own, fs_dir_close closes fd; without, it stays the
 * caller's. Returns 0, or -1 with errno set.
 */
int fs_dir_open(struct fs_dir *d, int fd, bool own);
/*
 * The next entry other than "." and "..", or NULL at the end or on a read
 * error: then fs_dir_error says which (a partial listing must not pass for
 * a whole one).
 */
const struct fs_dirent *fs_dir_next(struct fs_dir *d);
static inline int fs_dir_error(const struct fs_dir *d)
{
	return d->error;
}
void fs_dir_close(struct fs_dir *d);

/*
 * Raise this process's soft RLIMIT_NOFILE towards the hard limit, to at
 * most cap descriptors (macOS starts shells at 256 with a far higher hard
 * limit). Returns the soft limit in force afterwards (cap when it is
 * unlimited or above), 0 when it cannot be read.
 */
unsigned long fs_raise_nofile(unsigned long cap);

/* True if the first len characters of s are hexadecimal digits. */
bool fs_is_hex(const char *s, size_t len);

/* "alice", or the number when the user has no name (caller frees). */
char *fs_user_name(uid_t uid);
/*
 * Append "owner alice, mode 0644" for the entry name under at (not
 * following a link); nothing when it cannot be looked at.
 */
void fs_describe_owner(int at, const char *name, struct strbuf *out);
/*
 * After a permission error on (or in) the entry name under at: append
 * " (LABEL: owner bob, mode 2755; fix: run 'mlxk health --cache
 * --fix-permissions' as bob or root)"; label may be NULL.
 */
void fs_add_eacces_hint(struct strbuf *err, int at, const char *name,
			const char *display);

#endif
