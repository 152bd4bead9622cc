/*
 * Integrity rules for a cached revision. The order and the reason strings
 * of MLX-Knife 2.0's _check_snapshot_health are kept, with two fixes: an
 * index/shard mismatch is only claimed when it is one (not while a
 * download is pending), and only *.partial / *.tmp names are partial
 * download markers. Before those rules come the problems MLX-Knife never
 * looked at: broken links, odd files, pending downloads and damaged refs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/health.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define INDEX_CAP (64u << 20)
#define LFS_SMALL 200
#define LFS_MAGIC "version https://git-lfs.github.com/spec/v1"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static bool ends_with_ci(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !strncasecmp(s + n - k, suffix, k);
}

bool health_is_partial_marker(const char *name)
{
	const char *b = base_name(name);
	size_t n = strlen(b);

	if (ends_with_ci(b, n, ".partial") || ends_with_ci(b, n, ".tmp"))
		return true;
	for (const char *p = strchr(b, '.'); p; p = strchr(p + 1, '.'))
		if (!strncasecmp(p, ".partial", 8))
			return true;
	return false;
}

static bool is_weight(const char *path)
{
	return ends_with(path, ".safetensors") || ends_with(path, ".bin") ||
	       ends_with(path, ".gguf");
}

/* "model-00001-of-00003.safetensors" -> 1 and 3. */
static bool pattern_shard(const char *path, int *idx, int *total)
{
	const char *b = base_name(path);

	if (strlen(b) != 32 || strncmp(b, "model-", 6) ||
	    strncmp(b + 11, "-of-", 4) || strcmp(b + 20, ".safetensors"))
		return false;
	for (int i = 0; i < 5; i++)
		if (!isdigit((unsigned char)b[6 + i]) ||
		    !isdigit((unsigned char)b[15 + i]))
			return false;
	*idx = atoi(b + 6);
	*total = atoi(b + 15);
	return true;
}

static void describe_broken(const struct repo_file *f, struct strbuf *out)
{
	switch (f->state) {
	case FILE_DANGLING:
		strbuf_addf(out, "Dangling symlink: %s (blob %s missing)",
			    f->path, f->blob ? f->blob : "?");
		break;
	case FILE_OUTSIDE:
		strbuf_addf(out,
			    "Symlink points outside the repo's blobs: %s -> %s",
			    f->path, f->link ? f->link : "?");
		break;
	case FILE_NOT_REGULAR:
		strbuf_addf(out, "Not a regular file: %s", f->path);
		break;
	default:
		strbuf_addf(out, "Unreadable file: %s", f->path);
		break;
	}
}

static bool is_lfs_pointer(struct model_meta *m, struct repo *r,
			   struct repo_rev *rev, const struct repo_file *f)
{
	const struct strbuf *buf;
	const char *err;
	size_t n;

	if (f->state != FILE_OK || f->size >= LFS_SMALL)
		return false;
	buf = model_meta_read(m, r, rev, f->path, LFS_SMALL, &err);
	if (!buf)
		return false;
	n = buf->len < 100 ? buf->len : 100;
	for (size_t i = 0; i + sizeof(LFS_MAGIC) - 1 <= n; i++)
		if (!memcmp(buf->buf + i, LFS_MAGIC, sizeof(LFS_MAGIC) - 1))
			return true;
	return false;
}

static void add_item(struct strbuf *list, const char *item)
{
	strbuf_addf(list, "%s%s", list->len ? ", " : "", item);
}

static bool fail(struct strbuf *reason, const char *prefix,
		 const struct strbuf *list)
{
	strbuf_reset(reason);
	strbuf_addstr(reason, prefix);
	if (list)
		strbuf_addf(reason, ": %s", list->buf);
	return false;
}

/* Step 11 (ADR-012): processor configs of vision models, tokenizer files. */
static bool aux_checks(const struct model_meta *m,
		       const struct model_class *cls, struct strbuf *reason)
{
	if (cls->caps & CAP_VISION) {
		const struct meta_json *j = NULL;
		const char *f = NULL;

		if (m->preproc.state != META_MISSING) {
			j = &m->preproc;
			f = "preprocessor_config.json";
		} else if (m->processor.state != META_MISSING) {
			j = &m->processor;
			f = "processor_config.json";
		}
		if (!j)
			return fail(reason,
				    "Vision model missing "
				    "preprocessor_config.json or "
				    "processor_config.json",
				    NULL);
		if (j->state == META_INVALID_JSON) {
			strbuf_setf(reason, "%s invalid JSON", f);
			return false;
		}
		if (j->state != META_OK) {
			strbuf_setf(reason, "%s invalid", f);
			return false;
		}
	}
	if (m->tokcfg.state == META_INVALID_JSON)
		return fail(reason,
			    "tokenizer_config.json contains invalid JSON",
			    NULL);
	if (m->tokcfg.state == META_NOT_OBJECT ||
	    m->tokcfg.state == META_UNREADABLE)
		return fail(reason, "tokenizer_config.json exists but invalid",
			    NULL);
	if (m->tokcfg.state == META_OK && !m->has_tokenizer_json)
		return fail(reason,
			    "tokenizer_config.json present but tokenizer.json "
			    "missing",
			    NULL);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool index_rules(struct repo *r, struct repo_rev *rev,
			struct model_meta *m, const struct model_class *cls,
			const char *index, struct strbuf *reason)
{
	const struct strbuf *buf;
	const char *err, *key;
	json_t *j, *map, *v;
	struct strlist refs = STRLIST_INIT;
	struct strbuf missing = STRBUF_INIT, empty = STRBUF_INIT,
		      lfs = STRBUF_INIT;
	bool ok = false;

	buf = model_meta_read(m, r, rev, index, INDEX_CAP, &err);
	j = buf ? json_loadb(buf->buf, buf->len, JSON_DECODE_ANY, NULL) : NULL;
	if (!j) {
		fail(reason, "Invalid index file", NULL);
		goto out;
	}
	map = json_is_object(j) ? json_object_get(j, "weight_map") : NULL;
	if (!json_is_object(map) || !json_object_size(map)) {
		fail(reason, "Empty or invalid weight_map in index", NULL);
		goto out;
	}
	json_object_foreach(map, key, v)
	{
		if (json_is_string(v))
			strlist_push(&refs, json_string_value(v));
	}
	if (refs.nr > 1)
		qsort(refs.items, refs.nr, sizeof(*refs.items), cmp_str);
	/* Unique, sorted: drop neighbours that repeat (in one pass). */
	if (refs.nr > 1) {
		size_t keep = 1;

		for (size_t i = 1; i < refs.nr; i++) {
			if (!strcmp(refs.items[i], refs.items[keep - 1]))
				free(refs.items[i]);
			else
				refs.items[keep++] = refs.items[i];
		}
		refs.nr = keep;
	}
	for (size_t i = 0; i < refs.nr; i++) {
		struct repo_file *f = repo_file_by_path(rev, refs.items[i]);

		if (!f)
			add_item(&missing, refs.items[i]);
		else if (!f->size)
			add_item(&empty, refs.items[i]);
		else if (is_lfs_pointer(m, r, rev, f))
			add_item(&lfs, refs.items[i]);
	}
	if (missing.len) {
		size_t found = 0, unreferenced = 0;

		for (size_t i = 0; i < rev->nr_files; i++) {
			const char *p = rev->files[i].path;

			if (strchr(p, '/') || !ends_with(p, ".safetensors"))
				continue;
			found++;
			if (!bsearch(&p, refs.items, refs.nr,
				     sizeof(*refs.items), cmp_str))
				unreferenced++;
		}
		/*
		 * Shard files the index does not know, and no download
		 * pending: the index and the shards disagree. Otherwise
		 * shards are simply missing (often an interrupted pull).
		 */
		if (unreferenced && !r->incomplete.nr)
			strbuf_setf(
				reason,
				"Index/shard mismatch (mlx-vlm #624). Index "
				"references %zu shards but found %zu "
				"different files. Fix: mlxk convert <model> "
				"<output> --repair-index",
				refs.nr, found);
		else
			fail(reason, "Missing weight shards", &missing);
		goto out;
	}
	if (empty.len) {
		fail(reason, "Empty weight shards", &empty);
		goto out;
	}
	if (lfs.len) {
		fail(reason, "LFS pointers instead of files", &lfs);
		goto out;
	}
	if (!aux_checks(m, cls, reason))
		goto out;
	strbuf_setf(reason, "%s", HEALTH_MULTI_OK);
	ok = true;
out:
	json_decref(j);
	strlist_clear(&refs);
	strbuf_release(&missing);
	strbuf_release(&empty);
	strbuf_release(&lfs);
	return ok;
}

static bool plain_rules(struct repo *r, struct repo_rev *rev,
			struct model_meta *m, const struct model_class *cls,
			struct strbuf *reason)
{
	struct strbuf list = STRBUF_INIT;
	bool top = false, ok = false;
	size_t nweights = 0, nshards = 0, present = 0;
	int total = -1;
	bool mixed = false;
	unsigned char *seen = NULL;

	for (size_t i = 0; i < rev->nr_files; i++)
		if (!strchr(rev->files[i].path, '/') &&
		    is_weight(rev->files[i].path))
			top = true;
	/* Step 5: pattern shards among the weights. */
	for (size_t i = 0; i < rev->nr_files; i++) {
		const char *p = rev->files[i].path;
		int idx, t;

		if (!is_weight(p) || (top && strchr(p, '/')))
			continue;
		nweights++;
		if (!pattern_shard(p, &idx, &t))
			continue;
		nshards++;
		if (total < 0)
			total = t;
		else if (t != total)
			mixed = true;
	}
	if (mixed) {
		fail(reason, "Inconsistent shard totals detected", NULL);
		goto out;
	}
	if (nshards) {
		seen = xcalloc((size_t)total + 1, 1);
		for (size_t i = 0; i < rev->nr_files; i++) {
			const char *p = rev->files[i].path;
			int idx, t;

			if (!is_weight(p) || (top && strchr(p, '/')) ||
			    !pattern_shard(p, &idx, &t))
				continue;
			if (idx >= 1 && idx <= total && !seen[idx]) {
				seen[idx] = 1;
				present++;
			}
			if (!rev->files[i].size)
				add_item(&list, p);
		}
		if (present < (size_t)total) {
			strbuf_setf(reason,
				    "Missing shards by pattern: %zu/%d present",
				    present, total);
			goto out;
		}
		if (list.len) {
			fail(reason, "Empty shards", &list);
			goto out;
		}
	}
	/* Step 6. */
	if (!nweights) {
		fail(reason, "No model weights found", NULL);
		goto out;
	}
	/* Step 7: only real partial-download names, not any "partial". */
	for (size_t i = 0; i < rev->nr_files; i++)
		if (health_is_partial_marker(rev->files[i].path)) {
			fail(reason, "Partial download marker detected", NULL);
			goto out;
		}
	/* Step 8. */
	for (size_t i = 0; i < rev->nr_files; i++) {
		const char *p = rev->files[i].path;

		if (is_weight(p) && !(top && strchr(p, '/')) &&
		    !rev->files[i].size)
			add_item(&list, p);
	}
	if (list.len) {
		fail(reason, "Empty weight files", &list);
		goto out;
	}
	/* Step 9. */
	if (nshards) {
		fail(reason, "Safetensors index missing for sharded model",
		     NULL);
		goto out;
	}
	/* Step 10: every small file may be an LFS pointer. */
	for (size_t i = 0; i < rev->nr_files; i++)
		if (is_lfs_pointer(m, r, rev, &rev->files[i]))
			add_item(&list, rev->files[i].path);
	if (list.len) {
		fail(reason, "LFS pointers instead of files", &list);
		goto out;
	}
	if (!aux_checks(m, cls, reason))
		goto out;
	strbuf_setf(reason, "%s", HEALTH_OK);
	ok = true;
out:
	free(seen);
	strbuf_release(&list);
	return ok;
}

/* MLX-Knife 2.0's rules 2-12 on a revision whose files are all sound. */
static bool snapshot_rules(struct repo *r, struct repo_rev *rev,
			   struct model_meta *m, const struct model_class *cls,
			   struct strbuf *reason)
{
	bool st, bin;

	switch (m->config.state) {
	case META_MISSING:
		return fail(reason, "config.json missing", NULL);
	case META_INVALID_JSON:
		return fail(reason, "config.json contains invalid JSON", NULL);
	case META_NOT_OBJECT:
		return fail(reason, "config.json is empty or invalid", NULL);
	case META_UNREADABLE:
		strbuf_setf(reason, "config.json cannot be read: %s",
			    m->config_error ? m->config_error
					    : "unknown error");
		return false;
	default:
		break;
	}
	if (!json_object_size(m->config.json))
		return fail(reason, "config.json is empty or invalid", NULL);
	st = repo_rev_has_match(rev, "*.safetensors", false);
	bin = repo_rev_has_match(rev, "*.bin", false);
	if (st && repo_file_by_path(rev, "model.safetensors.index.json"))
		return index_rules(r, rev, m, cls,
				   "model.safetensors.index.json", reason);
	if (bin && repo_file_by_path(rev, "pytorch_model.bin.index.json"))
		return index_rules(r, rev, m, cls,
				   "pytorch_model.bin.index.json", reason);
	return plain_rules(r, rev, m, cls, reason);
}

bool health_check(struct repo *r, struct repo_rev *rev, struct model_meta *m,
		  const struct model_class *cls, struct strbuf *reason)
{
	size_t broken = 0;
	bool ok;

	strbuf_reset(reason);
	if (!r->has_snapshots)
		return fail(reason, "No snapshots directory found", NULL);
	if (!rev)
		return fail(reason, "No snapshots found", NULL);
	if (repo_load_files(r, rev) < 0 && rev->load_error) {
		strbuf_addstr(reason, rev->load_error);
		return false;
	}
	for (size_t i = 0; i < rev->nr_files; i++) {
		if (rev->files[i].state == FILE_OK)
			continue;
		if (!broken++)
			describe_broken(&rev->files[i], reason);
	}
	if (broken > 1)
		strbuf_addf(reason, " (and %zu more broken file%s)", broken - 1,
			    broken > 2 ? "s" : "");
	if (broken)
		return false;
	ok = snapshot_rules(r, rev, m, cls, reason);
	if (r->incomplete.nr) {
		char *rule = strbuf_detach(reason, NULL);

		strbuf_addf(reason,
			    "download interrupted or in progress: %zu "
			    "incomplete file(s)",
			    r->incomplete.nr);
		if (!ok)
			strbuf_addf(reason, " (%s)", rule);
		free(rule);
		return false;
	}
	if (!ok)
		return false;
	if (r->problems.nr) {
		strbuf_reset(reason);
		for (size_t i = 0; i < r->problems.nr; i++)
			strbuf_addf(reason, "%s%s", i ? "; " : "",
				    r->problems.items[i]);
		return false;
	}
	return true;
}

/* weights.00.safetensors / pytorch_model-00001(-of-00002).safetensors. */
static bool legacy_weight_name(const char *p)
{
	const char *d;

	if (!strncmp(p, "weights.", 8)) {
		d = p + 8;
		if (!isdigit((unsigned char)*d))
			return false;
		while (isdigit((unsigned char)*d))
			d++;
		return !strcmp(d, ".safetensors");
	}
	if (!strncmp(p, "pytorch_model-", 14)) {
		d = p + 14;
		if (!isdigit((unsigned char)*d))
			return false;
		while (isdigit((unsigned char)*d))
			d++;
		if (!strncmp(d, "-of-", 4)) {
			d += 4;
			while (isdigit((unsigned char)*d))
				d++;
		}
		return !strcmp(d, ".safetensors");
	}
	return false;
}

static bool legacy_only(const struct repo_rev *rev)
{
	size_t legacy = 0;

	for (size_t i = 0; i < rev->nr_files; i++) {
		const char *p = rev->files[i].path;

		if (strchr(p, '/') || !ends_with(p, ".safetensors"))
			continue;
		if (!legacy_weight_name(p))
			return false;
		legacy++;
	}
	return legacy > 0;
}

/*
 * Whether a Python package is installed is not something a C program can
 * ask without running Python; the verdict is left open, not assumed.
 */
#define NOT_CHECKED(pkg) "Needs " pkg ": not checked"

enum runtime_verdict health_runtime_check(struct repo_rev *rev,
					  enum framework fw,
					  const struct model_meta *m,
					  const struct model_class *cls,
					  struct strbuf *reason)
{
	const char *mt = cls->config_type;

	(void)m; /* the classification already holds what is needed */
	strbuf_reset(reason);
	if (fw != FRAMEWORK_MLX) {
		strbuf_addf(reason, "Incompatible framework: %s",
			    framework_name(fw));
		return RUNTIME_NO;
	}
	if (!strcmp(cls->model_type, "audio")) {
		if (mt &&
		    (!strcmp(mt, "whisper") || !strcmp(mt, "vibevoice"))) {
			strbuf_addstr(reason, NOT_CHECKED("mlx-audio"));
			return RUNTIME_UNKNOWN;
		}
		strbuf_addf(reason, "Audio model type '%s' not supported",
			    mt ? mt : "");
		return RUNTIME_NO;
	}
	if (cls->embed == EMBED_DECODER || cls->embed == EMBED_ENCODER)
		return RUNTIME_YES;
	if (cls->embed == EMBED_DECLARED) {
		strbuf_addf(reason,
			    "Embedding encoder not vendored: %s \xe2\x80\x94 "
			    "use bge/e5 or Qwen3-Embedding",
			    mt);
		return RUNTIME_NO;
	}
	/* Text and vision models: what mlx-lm's loader would check. */
	if (rev && legacy_only(rev)) {
		strbuf_addstr(reason, "Legacy format not supported by mlx-lm");
		return RUNTIME_NO;
	}
	if (!mt) {
		strbuf_addstr(reason, "config.json missing model_type field");
		return RUNTIME_NO;
	}
	if (!model_type_supported_by_mlx_lm(mt)) {
		strbuf_addf(reason, "Model type '%s' not supported by mlx-lm",
			    mt);
		return RUNTIME_NO;
	}
	/* MLX-Knife runs vision models with mlx-vlm, if it imports. */
	if (cls->caps & CAP_VISION) {
		strbuf_addstr(reason, NOT_CHECKED("mlx-vlm"));
		return RUNTIME_UNKNOWN;
	}
	return RUNTIME_YES;
}
