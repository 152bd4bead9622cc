/*
 * Permissions of a cache that several users share. huggingface_hub
 * creates folders with os.makedirs defaults and never sets group bits,
 * and filelock opens lock files O_RDWR, so one user's umask 022 locks
 * the others out (huggingface_hub#2580). This module finds such entries
 * and, for the entries the current user owns, repairs them.
 *
 * The walk works on directory descriptors and never follows a symbolic
 * link: links are skipped, so nothing outside the cache is looked at or
 * changed.
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_PERMS_H
#define MAINT_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cache/cache.h"
#include "util/strbuf.h"

struct perms_issue {
	char *path; /* relative to the cache root; "." is the root */
	bool is_dir;
	uid_t uid;
	gid_t gid;
	mode_t mode;   /* permission bits before any fix (07777) */
	char *owner;   /* user name, or the numeric uid */
	char *problem; /* "not writable by you; no group write", ... */
	bool fixed;    /* --fix-permissions repaired it */
	mode_t new_mode;
	char *fix_error; /* why it could not be fixed, or NULL */
};

struct perms_report {
	/*
	 * The cache is group-shared: its root is group-writable and
	 * setgid, or its group is not its owner's primary group.
	 */
	bool shared;
	bool root_group_writable;
	gid_t group;	  /* the root's group */
	char *group_name; /* its name, or the number */
	mode_t root_mode;
	struct perms_issue *items;
	size_t nr, alloc;
	size_t checked; /* entries looked at */
	size_t fixed, unfixed;
};

/*
 * Walk the whole cache and collect permission problems: entries the
 * current user cannot write (folders: write and search), lock files of
 * another user that nobody else can open for writing, and in a shared
 * cache, entries without group read/write (folders: group rwx and
 * setgid) or outside the cache's group.
 *
 * With fix, every entry with a problem that the current user owns gets
 * group read/write (folders also group search and setgid) and the
 * cache's group. fix requires a group-writable cache root; otherwise -1
 * with err set and nothing changed.
 */
int perms_check(struct cache *c, bool fix, struct perms_report *rep,
		struct strbuf *err);
void perms_report_release(struct perms_report *rep);

/* "alice", or the number when the user has no name. */
char *perms_user_name(uid_t uid);

#endif
