/* Framework, type and capability detection for cached models. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model.h"
#include "../util/xalloc.h"

/* Metadata files are small; anything bigger is not read. */
#define META_CAP (8u << 20)

const char *framework_name(enum framework fw)
{
	switch (fw) {
	case FRAMEWORK_MLX:
		return "MLX";
	case FRAMEWORK_GGUF:
		return "GGUF";
	case FRAMEWORK_PYTORCH:
		return "PyTorch";
	default:
		return "Unknown";
	}
}

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

enum framework model_detect_framework(struct repo *r, struct repo_rev *rev)
{
	struct strbuf buf = STRBUF_INIT;
	enum framework fw = FRAMEWORK_UNKNOWN;

	if (r->name && !strncmp(r->name, "mlx-community/", 14))
		return FRAMEWORK_MLX;
	if (repo_file_by_path(rev, "README.md") &&
	    repo_read_file(r, rev, "README.md", META_CAP, &buf, NULL) == 0 &&
	    model_readme_says_mlx(buf.buf)) {
		strbuf_release(&buf);
		return FRAMEWORK_MLX;
	}
	strbuf_reset(&buf);
	if (repo_file_by_path(rev, "config.json") &&
	    repo_read_file(r, rev, "config.json", META_CAP, &buf, NULL) == 0) {
		json_t *cfg = json_loadb(buf.buf, buf.len, 0, NULL);
		if (json_is_object(cfg) && json_object_get(cfg, "quantization"))
			fw = FRAMEWORK_MLX;
		json_decref(cfg);
	}
	strbuf_release(&buf);
	if (fw != FRAMEWORK_UNKNOWN)
		return fw;
	if (repo_rev_has_match(rev, "*.gguf", false))
		return FRAMEWORK_GGUF;
	if (repo_rev_has_match(rev, "*.safetensors", false) ||
	    repo_rev_has_match(rev, "pytorch_model*.bin", false))
		return FRAMEWORK_PYTORCH;
	return FRAMEWORK_UNKNOWN;
}
