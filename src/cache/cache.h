/*
 * The HuggingFace Hub cache as a whole: where it is, which repos it holds,
 * and the codec between repo ids and folder names.
 */
#ifndef CORE_CACHE_H
#define CORE_CACHE_H

#include <stdbool.h>

#include "util/strbuf.h"
#include "util/strlist.h"

struct cache {
	char *root; /* absolute, symlinks resolved when it exists */
	int fd;	    /* open on root, or -1 when the cache does not exist */
};

/*
 * Find the cache root as huggingface_hub does: override (--cache-dir) >
 * HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > $HF_HOME/hub >
 * $XDG_CACHE_HOME/huggingface/hub > ~/.cache/huggingface/hub. A variable
 * that is set but empty counts as set; ~ and $VAR are expanded where
 * huggingface_hub expands them.
 */
int cache_root_find(const char *override, struct strbuf *out,
		    struct strbuf *err);
/* Expand a leading ~ and $VAR / ${VAR} the way Python's os.path does. */
void cache_expand_path(const char *in, struct strbuf *out);

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

/* "models--org--name" -> "org/name"; NULL if not a models-- folder. */
char *cache_folder_to_name(const char *folder);
/* "org/name" -> "models--org--name"; a models-- name passes through. */
char *cache_name_to_folder(const char *name);
/* "datasets--x--y" -> "dataset", or NULL when there is no type prefix. */
const char *cache_folder_type(const char *folder);

#endif
