/*
 * The metadata files of a revision (config.json, tokenizer files,
 * processor configs, README front matter), each read at most once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "model/meta.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* tokenizer.json of large vocabularies reaches tens of megabytes. */
#define TOKENIZER_CAP (64u << 20)

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Does a front matter line (without its newline) mark the model as MLX? */
static bool line_says_mlx(const char *p, const char *end, bool *in_tags)
{
	const char *q = skip_space(p, end);
	size_t n = (size_t)(end - q);

	/* Strip trailing spaces and surrounding quotes of a value. */
	while (n && (q[n - 1] == ' ' || q[n - 1] == '\t' || q[n - 1] == '\r'))
		n--;
	if (n >= 13 && !strncmp(q, "library_name:", 13)) {
		const char *v = skip_space(q + 13, q + n);
		size_t vn = (size_t)(q + n - v);
		if (vn >= 2 && (*v == '"' || *v == '\'')) {
			v++;
			vn -= 2;
		}
		*in_tags = false;
		return vn == 3 && !strncmp(v, "mlx", 3);
	}
	if (n >= 5 && !strncmp(q, "tags:", 5)) {
		const char *v = skip_space(q + 5, q + n);
		*in_tags = v == q + n;
		/* Inline list: tags: [mlx, text-generation] */
		if (v < q + n && *v == '[') {
			const char *t = v + 1;
			while (t < q + n) {
				const char *s = skip_space(t, q + n), *e = s;
				while (e < q + n && *e != ',' && *e != ']')
					e++;
				const char *te = e;
				while (te > s &&
				       (te[-1] == ' ' || te[-1] == '"' ||
					te[-1] == '\''))
					te--;
				while (s < te && (*s == '"' || *s == '\''))
					s++;
				if (te - s == 3 && !strncmp(s, "mlx", 3))
					return true;
				t = e + 1;
			}
		}
		return false;
	}
	if (*in_tags && n >= 1 && q[0] == '-') {
		const char *v = skip_space(q + 1, q + n);
		size_t vn = (size_t)(q + n - v);
		if (vn >= 2 && (*v == '"' || *v == '\'')) {
			v++;
			vn -= 2;
		}
		return vn == 3 && !strncmp(v, "mlx", 3);
	}
	if (n && p < end && !isspace((unsigned char)*p) && *p != '-')
		*in_tags = false;
	return false;
}

bool model_readme_says_mlx(const char *readme)
{
	const char *p = readme, *nl;
	bool in_tags = false;

	/* Front matter: a first line "---", up to the next "---". */
	if (strncmp(p, "---", 3))
		return false;
	nl = strchr(p, '\n');
	if (!nl)
		return false;
	p = nl + 1;
	while (*p) {
		const char *end;

		nl = strchr(p, '\n');
		end = nl ? nl : p + strlen(p);
		if (end - p >= 3 && !strncmp(p, "---", 3))
			return false;
		if (line_says_mlx(p, end, &in_tags))
			return true;
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

/* ---- metadata files ---------------------------------------------------- */

void model_meta_init(struct model_meta *m)
{
	memset(m, 0, sizeof(*m));
}

static void meta_json_release(struct meta_json *j)
{
	json_decref(j->json);
	j->json = NULL;
	j->state = META_MISSING;
}

void model_meta_release(struct model_meta *m)
{
	meta_json_release(&m->config);
	meta_json_release(&m->tokcfg);
	meta_json_release(&m->preproc);
	meta_json_release(&m->processor);
	free(m->config_error);
	for (size_t i = 0; i < m->nr_blobs; i++) {
		free(m->blobs[i].path);
		free(m->blobs[i].error);
		strbuf_release(&m->blobs[i].data);
	}
	free(m->blobs);
	memset(m, 0, sizeof(*m));
}

void model_meta_parse(struct meta_json *slot, const char *buf, size_t len)
{
	json_t *j = json_loadb(buf, len, JSON_DECODE_ANY, NULL);

	json_decref(slot->json);
	slot->json = NULL;
	if (!j) {
		slot->state = META_INVALID_JSON;
		return;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		slot->state = META_NOT_OBJECT;
		return;
	}
	slot->json = j;
	slot->state = META_OK;
}

bool model_json_truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return true;
	default:
		return false;
	}
}

/* memmem(3) is not in C99 or POSIX. */
static bool mem_contains(const char *hay, size_t n, const char *needle,
			 size_t k)
{
	const char *p = hay, *end = hay + n;

	while (k && (size_t)(end - p) >= k) {
		p = memchr(p, needle[0], (size_t)(end - p) - k + 1);
		if (!p)
			return false;
		if (!memcmp(p, needle, k))
			return true;
		p++;
	}
	return false;
}

void model_meta_parse_tokenizer(struct model_meta *m, const char *buf,
				size_t len)
{
	static const char key[] = "\"chat_template\"";
	json_t *j;

	m->tokenizer_template = false;
	/* The file is large; parse it only when the key can be in it. */
	if (!buf || !mem_contains(buf, len, key, sizeof(key) - 1))
		return;
	j = json_loadb(buf, len, JSON_DECODE_ANY, NULL);
	if (json_is_object(j))
		m->tokenizer_template =
			model_json_truthy(json_object_get(j, "chat_template"));
	json_decref(j);
}

const struct strbuf *model_meta_read(struct model_meta *m, struct repo *r,
				     struct repo_rev *rev, const char *path,
				     size_t cap, const char **err)
{
	struct strbuf e = STRBUF_INIT;
	struct meta_blob *b;

	for (size_t i = 0; i < m->nr_blobs; i++) {
		b = &m->blobs[i];
		if (strcmp(b->path, path))
			continue;
		if (b->rc < 0) {
			*err = b->error;
			return NULL;
		}
		return &b->data;
	}
	ALLOC_GROW(m->blobs, m->nr_blobs + 1, m->alloc_blobs);
	b = &m->blobs[m->nr_blobs++];
	b->path = xstrdup(path);
	b->error = NULL;
	strbuf_init(&b->data, 0);
	b->rc = repo_read_file(r, rev, path, cap, &b->data, &e);
	if (b->rc < 0) {
		b->error = strbuf_detach(&e, NULL);
		*err = b->error;
		return NULL;
	}
	strbuf_release(&e);
	return &b->data;
}

/* Read and parse one JSON metadata file of rev into slot. */
void model_meta_load_json(struct model_meta *m, struct repo *r,
			  struct repo_rev *rev, const char *path,
			  struct meta_json *slot, char **why)
{
	const struct strbuf *buf;
	const char *err = NULL;

	slot->state = META_MISSING;
	if (!repo_file_by_path(rev, path))
		return;
	buf = model_meta_read(m, r, rev, path, MODEL_META_CAP, &err);
	if (!buf) {
		slot->state = META_UNREADABLE;
		if (why)
			*why = xstrdup(err ? err : "cannot be read");
		return;
	}
	model_meta_parse(slot, buf->buf, buf->len);
}

static bool base_is(const char *path, const char *base)
{
	const char *s = strrchr(path, '/');

	return !strcmp(s ? s + 1 : path, base);
}

/* Gather everything the rules need, reading each file once. */
void model_meta_load(struct model_meta *m, struct repo *r, struct repo_rev *rev)
{
	const struct strbuf *buf;
	const char *err;

	for (size_t i = 0; i < rev->nr_files; i++) {
		const char *p = rev->files[i].path;

		if (!strcmp(p, "tokenizer.json"))
			m->has_tokenizer_json = true;
		else if (!strcmp(p, "chat_template.json") ||
			 !strcmp(p, "chat_template.jinja"))
			m->has_template_file = true;
		if (base_is(p, "preprocessor_config.json") ||
		    base_is(p, "processor_config.json") ||
		    base_is(p, "image_processor_config.json"))
			m->has_processor_file = true;
		if (base_is(p, "video_preprocessor_config.json"))
			m->has_video_preprocessor = true;
	}
	model_meta_load_json(m, r, rev, "config.json", &m->config,
			     &m->config_error);
	model_meta_load_json(m, r, rev, "tokenizer_config.json", &m->tokcfg,
			     NULL);
	model_meta_load_json(m, r, rev, "preprocessor_config.json", &m->preproc,
			     NULL);
	model_meta_load_json(m, r, rev, "processor_config.json", &m->processor,
			     NULL);
	/* tokenizer.json only matters when tokenizer_config has no template. */
	if (m->has_tokenizer_json &&
	    !(m->tokcfg.json && model_json_truthy(json_object_get(
					m->tokcfg.json, "chat_template")))) {
		err = NULL;
		buf = model_meta_read(m, r, rev, "tokenizer.json",
				      TOKENIZER_CAP, &err);
		if (buf)
			model_meta_parse_tokenizer(m, buf->buf, buf->len);
	}
}

void model_meta_quantization(const json_t *cfg, int *bits, int *group)
{
	const json_t *q = cfg ? json_object_get(cfg, "quantization") : NULL;

	*bits = *group = 0;
	if (!json_is_object(q))
		q = cfg ? json_object_get(cfg, "quantization_config") : NULL;
	if (!json_is_object(q))
		return;
	if (json_is_integer(json_object_get(q, "bits")))
		*bits = (int)json_integer_value(json_object_get(q, "bits"));
	if (json_is_integer(json_object_get(q, "group_size")))
		*group = (int)json_integer_value(
			json_object_get(q, "group_size"));
	if (*bits < 0 || *bits > 64)
		*bits = 0;
	if (*group < 0 || *group > (1 << 20))
		*group = 0;
}
