/*
 * Where the rest of HF_HOME lives: the datasets cache, the modules cache
 * and the Xet cache, each found as its own writer finds it
 * (hf-home-protocol.md A.1, C).
 * Layer: cache/ (may use util/).
 */
#ifndef CACHE_HOME_H
#define CACHE_HOME_H

#include "util/strbuf.h"

/*
 * The datasets cache as datasets finds it: override (--datasets-dir) >
 * HF_DATASETS_CACHE > $HF_HOME/datasets > $XDG_CACHE_HOME/huggingface/
 * datasets > ~/.cache/huggingface/datasets. Unlike huggingface_hub,
 * datasets expands a leading ~ but never $VAR. The result is absolute
 * (relative to the current directory), symlinks not resolved.
 */
void home_datasets_root(const char *override, struct strbuf *out);
/* HF_MODULES_CACHE > $HF_HOME/modules > ..., as datasets finds it. */
void home_modules_root(struct strbuf *out);
/* HF_ASSETS_CACHE > $HF_HOME/assets > ... */
void home_assets_root(struct strbuf *out);
/*
 * The Xet cache as xet-core finds it: override (--xet-dir) >
 * HF_XET_CACHE > $HF_HOME/xet > $XDG_CACHE_HOME/huggingface/xet >
 * ~/.cache/huggingface/xet; ~ expanded, $VAR not.
 */
void home_xet_root(const char *override, struct strbuf *out);
/*
 * What chose the datasets (home_datasets_root) or Xet (home_xet_root)
 * cache: "--datasets-dir"/"--xet-dir" (when override), the variable,
 * "HF_HOME", "XDG_CACHE_HOME" or "default".
 */
const char *home_datasets_source(const char *override);
const char *home_xet_source(const char *override);

#endif
