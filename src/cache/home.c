/* Roots of the datasets, modules, assets and Xet caches. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/home.h"
#include "util/path.h"
#include "util/banned.h"

/* os.path.abspath(os.path.expanduser(p)), without resolving links. */
static void absolute(const char *in, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT;

	path_expand_user(in, &t);
	strbuf_reset(out);
	if (t.buf[0] != '/') {
		char *cwd = getcwd(NULL, 0);

		if (cwd) {
			strbuf_addstr(out, cwd);
			free(cwd);
		}
		if (t.len)
			strbuf_addch(out, '/');
	}
	strbuf_addstr(out, t.buf);
	while (out->len > 1 && out->buf[out->len - 1] == '/')
		strbuf_setlen(out, out->len - 1);
	strbuf_release(&t);
}

/*
 * getenv("HF_HOME", join(getenv("XDG_CACHE_HOME", "~/.cache"),
 * "huggingface")) + "/" + name, as datasets' config.py and xet-core's
 * cache_dir.rs both build it.
 */
static void under_hf_home(const char *name, struct strbuf *out)
{
	struct strbuf p = STRBUF_INIT;
	const char *v = getenv("HF_HOME");

	if (v) {
		strbuf_addstr(&p, v);
	} else if ((v = getenv("XDG_CACHE_HOME"))) {
		strbuf_addf(&p, "%s/huggingface", v);
	} else {
		strbuf_addstr(&p, "~/.cache/huggingface");
	}
	if (p.len && p.buf[p.len - 1] != '/')
		strbuf_addch(&p, '/');
	strbuf_addstr(&p, name);
	absolute(p.buf, out);
	strbuf_release(&p);
}

static void find(const char *override, const char *var, const char *name,
		 struct strbuf *out)
{
	const char *v = override ? override : getenv(var);

	if (v)
		absolute(v, out);
	else
		under_hf_home(name, out);
}

void home_datasets_root(const char *override, struct strbuf *out)
{
	find(override, "HF_DATASETS_CACHE", "datasets", out);
}

void home_modules_root(struct strbuf *out)
{
	find(NULL, "HF_MODULES_CACHE", "modules", out);
}

void home_assets_root(struct strbuf *out)
{
	find(NULL, "HF_ASSETS_CACHE", "assets", out);
}

void home_xet_root(const char *override, struct strbuf *out)
{
	find(override, "HF_XET_CACHE", "xet", out);
}

/* The same order as find() and under_hf_home(). */
static const char *source(const char *override, const char *option,
			  const char *var)
{
	if (override)
		return option;
	if (getenv(var))
		return var;
	if (getenv("HF_HOME"))
		return "HF_HOME";
	if (getenv("XDG_CACHE_HOME"))
		return "XDG_CACHE_HOME";
	return "default";
}

const char *home_datasets_source(const char *override)
{
	return source(override, "--datasets-dir", "HF_DATASETS_CACHE");
}

const char *home_xet_source(const char *override)
{
	return source(override, "--xet-dir", "HF_XET_CACHE");
}
