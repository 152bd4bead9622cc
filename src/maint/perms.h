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
	char *cure;	 /* the command that cures it, or NULL */
	bool acl;	 /* (fixing) the folder gets the group's default ACL */
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
	bool dry_run;	      /* fixing: nothing was changed */
	bool acl_unsupported; /* no POSIX default ACLs here: setgid only */
	bool acl_built;	      /* this mlxk can set ACLs (libacl) */
};

struct perms_opts {
	bool fix;	   /* repair what this user may change */
	bool dry_run;	   /* with fix: decide, change nothing */
	const char *group; /* with fix: the shared group (name or number);
			      NULL: the root's group */
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
/*
 * perms_check with options. Fixing makes a cache shared: every entry the
 * user may change (all of them for root; the owner's own otherwise, even
 * mode 0000 files and 0300 folders) gets the group, owner and group
 * read/write (folders: rwx and setgid), and every such folder a default
 * POSIX ACL granting the group rwx, so that what any tool creates later
 * under umask 022 stays group-writable. With a group, the root is made
 * group-writable and setgid too; without, the root must already be
 * group-writable. Links are never followed.
 */
int perms_run(struct cache *c, const struct perms_opts *o,
	      struct perms_report *rep, struct strbuf *err);
void perms_report_release(struct perms_report *rep);

/* "alice", or the number when the user has no name. */
char *perms_user_name(uid_t uid);

#endif
