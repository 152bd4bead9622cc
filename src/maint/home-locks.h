/*
 * Lock files outside the hub cache: the datasets cache (and the
 * datasets_modules folder of the modules cache) and hf download
 * --local-dir folders. Every file goes through lock_sweep's recipe; the
 * folders are read as they are swept, so a million lock files cost no
 * memory (hf-home-protocol.md A.1-A.2, B).
 * Layer: maint/ (may use cache/, model/, lock/, util/).
 */
#ifndef MAINT_HOME_LOCKS_H
#define MAINT_HOME_LOCKS_H

#include <stddef.h>

#include "lock/lock.h"
#include "util/strbuf.h"
#include "util/strlist.h"

struct home_locks {
	size_t folders;		   /* folders that held lock files */
	struct strlist unreadable; /* folders that could not be read */
	struct strlist skipped;	   /* links and non-folders not entered */
};

/*
 * Sweep every lock file of the datasets cache at root: the top-level
 * _<flattened path>.lock files (the 255-character "...<hash>.lock" leaks
 * included), downloads/ and downloads/extracted/, the builder and info
 * locks of <name>/<config>/<version>/, and, when modules is not NULL,
 * <modules>/datasets_modules/<kind>/<name>.lock. Nothing inside a built
 * dataset or an extraction is looked at: names there are data. Item paths
 * are relative to root (modules ones start with modules_display).
 * A missing root is empty. Returns -1 only if root cannot be opened.
 */
int home_locks_datasets(struct lock_sweep *s, const char *root,
			const char *modules, const char *modules_display,
			struct home_locks *hl, struct strbuf *err);
/*
 * Sweep DIR/.cache/huggingface/.gitignore.lock and every lock file below
 * download/ and upload/. Item paths are relative to DIR. A DIR without
 * .cache/huggingface/ is an error.
 */
int home_locks_local_dir(struct lock_sweep *s, const char *dir,
			 struct home_locks *hl, struct strbuf *err);
/* Sweep the lock files of .locks/<folder>/ of the hub cache at root (for
 * counts). */
int home_locks_hub(struct lock_sweep *s, const char *root,
		   struct home_locks *hl, struct strbuf *err);
void home_locks_release(struct home_locks *hl);

#endif
