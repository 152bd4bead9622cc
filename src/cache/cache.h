/*
 * The HuggingFace Hub cache as a whole: where it is, which repos it holds,
 * and how it is opened. The names of things in it: cache/names.h.
 * Layer: cache/ (may use util/).
 */
#ifndef CACHE_CACHE_H
#define CACHE_CACHE_H

#include <stdbool.h>

#include "cache/names.h"
#include "util/strbuf.h"
#include "util/strlist.h"

struct cache {
	char *root; /* absolute, symlinks resolved when it exists */
	int fd;	    /* open on root, or -1 when the cache does not exist */
	/*
	 * The root is group-shared (setgid or group-writable): what we
	 * create must stay usable by the group whatever our umask.
	 */
	bool shared;
	/* What chose the root (cache_root_source), or NULL if a caller did. */
	const char *source;
};

/* Mode for folders we create: 02775 in a shared cache (fs_mkdirs_at
 * sets the setgid bit explicitly), else 0777 & ~umask. */
#define CACHE_DIR_MODE(c) ((c)->shared ? 02775 : 0777)

/*
 * Find the cache root as huggingface_hub does: override (--cache-dir) >
 * HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > $HF_HOME/hub >
 * $XDG_CACHE_HOME/huggingface/hub > ~/.cache/huggingface/hub. A variable
 * that is set but empty counts as set; ~ and $VAR are expanded where
 * huggingface_hub expands them.
 */
int cache_root_find(const char *override, struct strbuf *out,
		    struct strbuf *err);

/*
 * What chose the root cache_root_find gives: "--cache-dir",
 * "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME" or
 * "default" (~/.cache/huggingface/hub).
 */
const char *cache_root_source(const char *override);

/*
 * Open the cache at root. A missing root is not an error: c->fd is -1 and
 * every listing is empty. A root that is not a directory is an error.
 */
int cache_open(struct cache *c, const char *root, struct strbuf *err);
/* Resolve the root (cache_root_find) and open it. */
int cache_open_default(struct cache *c, const char *override,
		       struct strbuf *err);
void cache_close(struct cache *c);
/*
 * Make a missing cache root (mkdir -p of c->root, the parents included)
 * and open it, for a command about to write. Nothing to do when c->fd is
 * open. On failure c is closed and err names the folder.
 */
int cache_create_root(struct cache *c, struct strbuf *err);

/*
 * Folder names of model repos (models--*) at the top of the cache, sorted
 * by the repo id they encode. Other entries (.locks, CACHEDIR.TAG,
 * datasets--, spaces--, kernels--, stray files) are skipped silently.
 */
int cache_model_folders(struct cache *c, struct strlist *folders,
			struct strbuf *err);
/*
 * Folder names of every repo type (models--, datasets--, spaces--,
 * kernels--) at the top of the cache, in byte order. A symlinked folder
 * is listed; the caller decides what to do with it.
 */
int cache_repo_folders(struct cache *c, struct strlist *folders,
		       struct strbuf *err);

#endif
