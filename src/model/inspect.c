/*
 * Inspecting one cached revision: metadata, classification, health and
 * runtime rules together give the model object of MLX-Knife 2.0.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "model/health.h"
#include "model/inspect.h"
#include "util/xalloc.h"
#include "util/banned.h"

static time_t repo_mtime(struct repo *r)
{
	struct stat st;

	if (r->fd >= 0 && fstat(r->fd, &st) == 0)
		return st.st_mtime;
	return 0;
}

void model_inspect(struct repo *r, struct repo_rev *rev, struct model_info *mi,
		   struct model_meta *out_meta)
{
	struct model_meta m;
	struct model_class cls;
	struct strbuf why = STRBUF_INIT;

	memset(mi, 0, sizeof(*mi));
	model_meta_init(&m);
	mi->name = xstrdup(r->name);
	if (rev) {
		repo_load_files(r, rev);
		model_meta_load(&m, r, rev);
		mi->commit = xstrdup(rev->commit);
		if (is_commit_hash(rev->commit))
			mi->hash = xstrdup(rev->commit);
		mi->size_bytes = repo_rev_size(rev);
		mi->mtime = rev->mtime;
		mi->framework = model_framework_of(&m, r, rev);
	} else {
		mi->mtime = repo_mtime(r);
		mi->framework = FRAMEWORK_UNKNOWN;
	}
	model_classify(r->name, &m, &cls);
	mi->model_type = xstrdup(cls.model_type);
	mi->caps = cls.caps;
	model_meta_quantization(m.config.json, &mi->quant_bits,
				&mi->quant_group);

	mi->healthy = health_check(r, rev, &m, &cls, &why);
	mi->health_reason = strbuf_detach(&why, NULL);
	if (!mi->healthy) {
		mi->runtime_compatible = false;
		mi->reason = xstrdup(mi->health_reason);
	} else {
		enum runtime_verdict v = health_runtime_check(
			rev, mi->framework, &m, &cls, &why);

		mi->runtime_compatible = v == RUNTIME_YES;
		mi->runtime_unknown = v == RUNTIME_UNKNOWN;
		if (v != RUNTIME_YES)
			mi->reason = strbuf_detach(&why, NULL);
	}
	strbuf_release(&why);
	if (out_meta)
		*out_meta = m;
	else
		model_meta_release(&m);
}

void model_inspect_failed(const char *name, const char *why,
			  struct model_info *mi)
{
	memset(mi, 0, sizeof(*mi));
	mi->name = xstrdup(name);
	mi->framework = FRAMEWORK_UNKNOWN;
	mi->model_type = xstrdup("base");
	mi->caps = CAP_TEXT_GENERATION;
	mi->healthy = false;
	mi->health_reason = xstrdup(why);
	mi->reason = xstrdup(why);
}

void model_info_release(struct model_info *mi)
{
	free(mi->name);
	free(mi->commit);
	free(mi->hash);
	free(mi->model_type);
	free(mi->health_reason);
	free(mi->reason);
	memset(mi, 0, sizeof(*mi));
}
