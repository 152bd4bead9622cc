/*
 * The model object: framework, type and capability detection, runtime
 * compatibility and the JSON rendering of MLX-Knife 2.0's model object.
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
#include "model/model.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Metadata files are small; anything bigger is not read. */
#define META_CAP (8u << 20)
/* tokenizer.json of large vocabularies reaches tens of megabytes. */
#define TOKENIZER_CAP (64u << 20)

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

int framework_parse(const char *s)
{
	static const enum framework all[] = { FRAMEWORK_MLX, FRAMEWORK_GGUF,
					      FRAMEWORK_PYTORCH,
					      FRAMEWORK_UNKNOWN };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (!strcasecmp(s, framework_name(all[i])))
			return (int)all[i];
	return -1;
}

const char *capability_name(int i)
{
	static const char *const names[CAP_COUNT] = {
		"text-generation", "chat",	 "vision",
		"audio",	   "embeddings", "audio-translate-en",
	};

	return i >= 0 && i < CAP_COUNT ? names[i] : NULL;
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

static bool json_truthy(const json_t *v)
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
			json_truthy(json_object_get(j, "chat_template"));
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
static void load_json(struct model_meta *m, struct repo *r,
		      struct repo_rev *rev, const char *path,
		      struct meta_json *slot, char **why)
{
	const struct strbuf *buf;
	const char *err = NULL;

	slot->state = META_MISSING;
	if (!repo_file_by_path(rev, path))
		return;
	buf = model_meta_read(m, r, rev, path, META_CAP, &err);
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
static void load_meta(struct model_meta *m, struct repo *r,
		      struct repo_rev *rev)
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
	load_json(m, r, rev, "config.json", &m->config, &m->config_error);
	load_json(m, r, rev, "tokenizer_config.json", &m->tokcfg, NULL);
	load_json(m, r, rev, "preprocessor_config.json", &m->preproc, NULL);
	load_json(m, r, rev, "processor_config.json", &m->processor, NULL);
	/* tokenizer.json only matters when tokenizer_config has no template. */
	if (m->has_tokenizer_json &&
	    !(m->tokcfg.json &&
	      json_truthy(json_object_get(m->tokcfg.json, "chat_template")))) {
		err = NULL;
		buf = model_meta_read(m, r, rev, "tokenizer.json",
				      TOKENIZER_CAP, &err);
		if (buf)
			model_meta_parse_tokenizer(m, buf->buf, buf->len);
	}
}

/* ---- framework ---------------------------------------------------------- */

static bool name_has_prefix(const char *name, const char *prefix)
{
	return name && !strncmp(name, prefix, strlen(prefix));
}

static enum framework detect_framework(struct model_meta *m, struct repo *r,
				       struct repo_rev *rev)
{
	const struct strbuf *buf;
	const char *err;

	if (name_has_prefix(r->name, "mlx-community/"))
		return FRAMEWORK_MLX;
	if (m->config.json && json_object_get(m->config.json, "quantization"))
		return FRAMEWORK_MLX;
	if (repo_file_by_path(rev, "README.md")) {
		err = NULL;
		buf = model_meta_read(m, r, rev, "README.md", META_CAP, &err);
		if (buf && model_readme_says_mlx(buf->buf)) {
			m->readme_mlx = true;
			return FRAMEWORK_MLX;
		}
	}
	if (repo_rev_has_match(rev, "*.gguf", false))
		return FRAMEWORK_GGUF;
	if (repo_rev_has_match(rev, "*.safetensors", false) ||
	    repo_rev_has_match(rev, "pytorch_model*.bin", false))
		return FRAMEWORK_PYTORCH;
	return FRAMEWORK_UNKNOWN;
}

enum framework model_detect_framework(struct repo *r, struct repo_rev *rev)
{
	struct model_meta m;
	enum framework fw;

	model_meta_init(&m);
	load_json(&m, r, rev, "config.json", &m.config, NULL);
	fw = detect_framework(&m, r, rev);
	model_meta_release(&m);
	return fw;
}

/* ---- type and capabilities ---------------------------------------------- */

static const char *const vision_model_types[] = {
	"llava",  "llava_next", "pixtral", "qwen2_vl", "phi3_v",
	"mllama", "paligemma",	"idefics", "smolvlm",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

static char *lower(const char *s)
{
	char *l = xstrdup(s ? s : "");

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

static const char *json_str(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool has_causal_lm(const json_t *cfg)
{
	const json_t *a = json_object_get(cfg, "architectures");
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return false;
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);
		size_t n = s ? strlen(s) : 0;

		if (n >= 11 && !strcmp(s + n - 11, "ForCausalLM"))
			return true;
	}
	return false;
}

static enum embed_kind classify_embedder(const char *lname, const json_t *cfg,
					 const char *mt)
{
	static const char *const declared[] = { "xlm-roberta", "modernbert",
						"nomic_bert" };
	bool decoder_shape;

	if (!cfg)
		return EMBED_NONE;
	decoder_shape =
		has_causal_lm(cfg) ||
		(mt && (!strcmp(mt, "qwen3") || !strcmp(mt, "mistral")));
	if (decoder_shape &&
	    (contains(lname, "embed") || contains(lname, "qwen3-embedding")))
		return EMBED_DECODER;
	if (mt && !strcmp(mt, "bert"))
		return EMBED_ENCODER;
	if (in_list(mt, declared, ARRAY_SIZE(declared)))
		return EMBED_DECLARED;
	return EMBED_NONE;
}

static bool is_audio_type(const char *mt)
{
	return contains(mt, "whisper") || contains(mt, "vibevoice") ||
	       contains(mt, "voxtral");
}

static bool detect_vision(const struct model_meta *m, const char *mt)
{
	const json_t *cfg = m->config.json, *v;
	const char *pc;

	if (cfg) {
		v = json_object_get(cfg, "vision_config");
		if (json_is_object(v) && json_object_size(v))
			return true;
		if (in_list(mt, vision_model_types,
			    ARRAY_SIZE(vision_model_types)))
			return true;
		if (json_truthy(json_object_get(cfg, "image_processor")))
			return true;
		v = json_object_get(cfg, "preprocessor_config");
		if (json_is_object(v)) {
			pc = json_str(v, "processor_class");
			if (!pc || strcmp(pc, "AutoVideoProcessor"))
				return true;
		}
	}
	if (!m->has_processor_file || m->has_video_preprocessor)
		return false;
	/* A video processor is not an image processor. */
	if (m->preproc.json) {
		pc = json_str(m->preproc.json, "processor_class");
		if ((pc && !strcmp(pc, "AutoVideoProcessor")) ||
		    json_object_get(m->preproc.json, "temporal_patch_size"))
			return false;
	}
	return true;
}

static bool detect_audio(const struct model_meta *m, const char *mt)
{
	static const char *const kinds[] = { "gemma3n",	  "gemma3n_audio",
					     "voxtral",	  "whisper",
					     "vibevoice", "audio" };
	const json_t *v;

	if (m->config.json) {
		v = json_object_get(m->config.json, "audio_config");
		if (json_is_object(v) && json_object_size(v))
			return true;
	}
	for (size_t i = 0; mt && i < ARRAY_SIZE(kinds); i++)
		if (strstr(mt, kinds[i]))
			return true;
	return contains(json_str(m->preproc.json, "feature_extractor_type"),
			"whisper");
}

/* whisper-{tiny,base,small,medium}.en* are English-only: no translation. */
static bool whisper_translates(const char *lname)
{
	static const char *const en_only[] = { "whisper-tiny.en",
					       "whisper-base.en",
					       "whisper-small.en",
					       "whisper-medium.en" };

	if (strstr(lname, "turbo"))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(en_only); i++)
		if (strstr(lname, en_only[i]))
			return false;
	return true;
}

void model_classify(const char *name, const struct model_meta *m,
		    struct model_class *out)
{
	const json_t *cfg = m->config.json;
	const char *mt = json_str(cfg, "model_type");
	char *lname = lower(name);
	bool template, name_chat;

	memset(out, 0, sizeof(*out));
	out->config_type = mt;
	template =
		(m->tokcfg.json && json_truthy(json_object_get(
					   m->tokcfg.json, "chat_template"))) ||
		m->tokenizer_template || m->has_template_file;
	name_chat = contains(lname, "instruct") || contains(lname, "chat");

	out->embed = classify_embedder(lname, cfg, mt);
	if (out->embed != EMBED_NONE)
		out->model_type = "embedding";
	else if (mt && (!strcmp(mt, "chat") ||
			in_list(mt, vision_model_types,
				ARRAY_SIZE(vision_model_types))))
		out->model_type = "chat";
	else if (is_audio_type(mt))
		out->model_type = "audio";
	else if (template || name_chat)
		out->model_type = "chat";
	else
		out->model_type = "base";

	if (!strcmp(out->model_type, "embedding")) {
		out->caps = CAP_EMBEDDINGS;
	} else if (!strcmp(out->model_type, "audio")) {
		out->caps = CAP_AUDIO;
		if (!strcmp(mt, "whisper") && whisper_translates(lname))
			out->caps |= CAP_AUDIO_TRANSLATE_EN;
	} else {
		out->caps = CAP_TEXT_GENERATION;
		if (!strcmp(out->model_type, "chat") || name_chat || template)
			out->caps |= CAP_CHAT;
		if (detect_vision(m, mt))
			out->caps |= CAP_VISION;
		if (detect_audio(m, mt))
			out->caps |= CAP_AUDIO;
	}
	free(lname);
}

/* ---- mlx-lm support table ------------------------------------------------ */

/*
 * The config model_types mlx-lm can load: the module names in
 * mlx_lm/models/ (helpers such as base, cache, rope_utils and
 * switch_layers left out) plus the aliases of MODEL_REMAPPING in
 * mlx_lm/utils.py, as of mlx-lm 0.30 (mlx_lm/_version.py "0.30.1").
 * mlx-lm resolves a type with importlib.import_module(
 * "mlx_lm.models." + MODEL_REMAPPING.get(t, t)), so the match is exact and
 * case-sensitive. A model_type missing here is reported as not supported;
 * update the table when mlx-lm gains architectures.
 */
static const char *const mlx_lm_model_types[] = {
	/* mlx_lm/models/<type>.py */
	"afm7",
	"afmoe",
	"apertus",
	"baichuan_m1",
	"bailing_moe",
	"bailing_moe_linear",
	"bitnet",
	"cohere",
	"cohere2",
	"dbrx",
	"deepseek",
	"deepseek_v2",
	"deepseek_v3",
	"deepseek_v32",
	"dots1",
	"ernie4_5",
	"ernie4_5_moe",
	"exaone",
	"exaone4",
	"falcon_h1",
	"gemma",
	"gemma2",
	"gemma3",
	"gemma3_text",
	"gemma3n",
	"gemma4",
	"gemma4_text",
	"glm",
	"glm4",
	"glm4_moe",
	"glm4_moe_lite",
	"gpt2",
	"gpt_bigcode",
	"gpt_neox",
	"gpt_oss",
	"granite",
	"granitemoe",
	"granitemoehybrid",
	"helium",
	"hunyuan",
	"hunyuan_v1_dense",
	"internlm2",
	"internlm3",
	"jamba",
	"kimi_linear",
	"kimi_vl",
	"Klear",
	"lfm2",
	"lfm2_moe",
	"lille-130m",
	"llama",
	"llama4",
	"llama4_text",
	"longcat_flash",
	"mamba",
	"mamba2",
	"mimo",
	"mimo_v2_flash",
	"minicpm",
	"minicpm3",
	"minimax",
	"ministral3",
	"mistral3",
	"mixtral",
	"nanochat",
	"nemotron",
	"nemotron-nas",
	"nemotron_h",
	"olmo",
	"olmo2",
	"olmo3",
	"olmoe",
	"openelm",
	"phi",
	"phi3",
	"phi3small",
	"phimoe",
	"phixtral",
	"pixtral",
	"plamo",
	"plamo2",
	"qwen",
	"qwen2",
	"qwen2_moe",
	"qwen2_vl",
	"qwen3",
	"qwen3_moe",
	"qwen3_next",
	"qwen3_vl",
	"qwen3_vl_moe",
	"recurrent_gemma",
	"seed_oss",
	"smollm3",
	"solar_open",
	"stablelm",
	"starcoder2",
	/* MODEL_REMAPPING aliases */
	"mistral",
	"llava",
	"phi-msft",
	"falcon_mamba",
	"joyai_llm_flash",
	"kimi_k2",
	"qwen2_5_vl",
	"minimax_m2",
	"iquestcoder",
	"gemma4_unified",
};

bool model_type_supported_by_mlx_lm(const char *model_type)
{
	return in_list(model_type, mlx_lm_model_types,
		       ARRAY_SIZE(mlx_lm_model_types));
}

/* ---- the model object -----------------------------------------------------
 */

static void quantization(const json_t *cfg, int *bits, int *group)
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
		load_meta(&m, r, rev);
		mi->commit = xstrdup(rev->commit);
		if (is_commit_hash(rev->commit))
			mi->hash = xstrdup(rev->commit);
		mi->size_bytes = repo_rev_size(rev);
		mi->mtime = rev->mtime;
		mi->framework = detect_framework(&m, r, rev);
	} else {
		mi->mtime = repo_mtime(r);
		mi->framework = FRAMEWORK_UNKNOWN;
	}
	model_classify(r->name, &m, &cls);
	mi->model_type = xstrdup(cls.model_type);
	mi->caps = cls.caps;
	quantization(m.config.json, &mi->quant_bits, &mi->quant_group);

	mi->healthy = health_check(r, rev, &m, &cls, &why);
	mi->health_reason = strbuf_detach(&why, NULL);
	if (!mi->healthy) {
		mi->runtime_compatible = false;
		mi->reason = xstrdup(mi->health_reason);
	} else if (health_runtime_check(rev, mi->framework, &m, &cls, &why)) {
		mi->runtime_compatible = true;
	} else {
		mi->runtime_compatible = false;
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

json_t *model_info_json(const struct model_info *mi)
{
	json_t *o = json_object(), *caps = json_array();
	struct strbuf t = STRBUF_INIT;

	for (int i = 0; i < CAP_COUNT; i++)
		if (mi->caps & (1u << i))
			json_array_append_new(caps,
					      json_string(capability_name(i)));
	iso8601_utc(&t, mi->mtime);
	json_object_set_new(o, "name", json_string_lossy(mi->name));
	json_object_set_new(o, "hash",
			    mi->hash ? json_string_lossy(mi->hash)
				     : json_null());
	json_object_set_new(o, "size_bytes",
			    json_integer((json_int_t)mi->size_bytes));
	json_object_set_new(o, "last_modified", json_string(t.buf));
	json_object_set_new(o, "framework",
			    json_string(framework_name(mi->framework)));
	json_object_set_new(o, "model_type", json_string_lossy(mi->model_type));
	json_object_set_new(o, "capabilities", caps);
	json_object_set_new(o, "health",
			    json_string(mi->healthy ? "healthy" : "unhealthy"));
	json_object_set_new(o, "runtime_compatible",
			    json_boolean(mi->runtime_compatible));
	json_object_set_new(o, "reason",
			    mi->reason ? json_string_lossy(mi->reason)
				       : json_null());
	json_object_set_new(o, "cached", json_true());
	strbuf_release(&t);
	return o;
}

static json_t *copy_scalar(const json_t *cfg, const char *key)
{
	const json_t *v = json_object_get(cfg, key);

	if (json_is_integer(v) || json_is_string(v) || json_is_real(v))
		return json_deep_copy(v);
	return json_null();
}

json_t *model_metadata_json(const struct model_meta *m)
{
	const json_t *cfg = m->config.json, *a;
	json_t *o;
	int bits, group;

	if (!cfg)
		return NULL;
	o = json_object();
	json_object_set_new(o, "model_type", copy_scalar(cfg, "model_type"));
	a = json_object_get(cfg, "architectures");
	json_object_set_new(o, "architecture",
			    json_is_array(a) && json_array_size(a) &&
					    json_is_string(json_array_get(a, 0))
				    ? json_deep_copy(json_array_get(a, 0))
				    : json_null());
	quantization(cfg, &bits, &group);
	if (bits) {
		char *q = xasprintf("%dbit", bits);
		json_object_set_new(o, "quantization", json_string(q));
		free(q);
	} else {
		json_object_set_new(o, "quantization", json_null());
	}
	json_object_set_new(o, "context_length",
			    copy_scalar(cfg, "max_position_embeddings"));
	json_object_set_new(o, "vocab_size", copy_scalar(cfg, "vocab_size"));
	json_object_set_new(o, "hidden_size", copy_scalar(cfg, "hidden_size"));
	json_object_set_new(o, "num_attention_heads",
			    copy_scalar(cfg, "num_attention_heads"));
	json_object_set_new(o, "num_hidden_layers",
			    copy_scalar(cfg, "num_hidden_layers"));
	return o;
}
