/*
 * What a model is, from its metadata and name: framework, type and
 * capabilities (MLX-Knife 2.0's rules), and whether mlx-lm knows it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "model/classify.h"
#include "util/xalloc.h"
#include "util/banned.h"

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

/* ---- framework ---------------------------------------------------------- */

static bool name_has_prefix(const char *name, const char *prefix)
{
	return name && !strncmp(name, prefix, strlen(prefix));
}

enum framework model_framework_of(struct model_meta *m, struct repo *r,
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
		buf = model_meta_read(m, r, rev, "README.md", MODEL_META_CAP,
				      &err);
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
	model_meta_load_json(&m, r, rev, "config.json", &m.config, NULL);
	fw = model_framework_of(&m, r, rev);
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
		if (model_json_truthy(json_object_get(cfg, "image_processor")))
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
		(m->tokcfg.json && model_json_truthy(json_object_get(
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
