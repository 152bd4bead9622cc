/* Unit tests: type/capability detection, refs, partial markers, sizes. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "model/health.h"
#include "model/inspect.h"
#include "cache/repo.h"
#include "util/humanize.h"

static void classify(const char *name, const char *config, const char *tokcfg,
		     const char *want_type, unsigned want_caps)
{
	struct model_meta m;
	struct model_class cls;

	model_meta_init(&m);
	if (config)
		model_meta_parse(&m.config, config, strlen(config));
	if (tokcfg)
		model_meta_parse(&m.tokcfg, tokcfg, strlen(tokcfg));
	model_classify(name, &m, &cls);
	is_str(cls.model_type, want_type, name);
	is_int(cls.caps, want_caps, name);
	model_meta_release(&m);
}

static void ref(const char *content, size_t len, const char *want,
		int want_exact)
{
	char *commit = NULL;
	bool exact = false;
	int rc = repo_parse_ref(content, len, &commit, &exact);

	is_int(rc, want ? 0 : -1, "repo_parse_ref rc");
	is_str(commit, want, "repo_parse_ref commit");
	is_int(exact, want_exact, "repo_parse_ref exact");
	free(commit);
}

int main(void)
{
	struct model_meta m;
	const char *c40 = "0123456789abcdef0123456789abcdef01234567";

	classify("org/base", "{\"model_type\":\"llama\"}", NULL, "base",
		 CAP_TEXT_GENERATION);
	classify("org/Llama-Instruct", "{\"model_type\":\"llama\"}", NULL,
		 "chat", CAP_TEXT_GENERATION | CAP_CHAT);
	classify("org/x", "{\"model_type\":\"llama\"}",
		 "{\"chat_template\":\"{{m}}\"}", "chat",
		 CAP_TEXT_GENERATION | CAP_CHAT);
	classify("org/x", "{\"model_type\":\"llama\"}",
		 "{\"chat_template\":\"\"}", "base", CAP_TEXT_GENERATION);
	classify("org/x", "{\"model_type\":\"bert\"}", NULL, "embedding",
		 CAP_EMBEDDINGS);
	classify("org/x", "{\"model_type\":\"nomic_bert\"}", NULL, "embedding",
		 CAP_EMBEDDINGS);
	classify("org/Qwen3-Embedding-4B",
		 "{\"model_type\":\"qwen3\",\"architectures\":"
		 "[\"Qwen3ForCausalLM\"]}",
		 NULL, "embedding", CAP_EMBEDDINGS);
	classify("org/qwen3-4b", "{\"model_type\":\"qwen3\"}", NULL, "base",
		 CAP_TEXT_GENERATION);
	classify("org/llava", "{\"model_type\":\"llava\"}", NULL, "chat",
		 CAP_TEXT_GENERATION | CAP_CHAT | CAP_VISION);
	classify("org/v", "{\"model_type\":\"x\",\"vision_config\":{\"a\":1}}",
		 NULL, "base", CAP_TEXT_GENERATION | CAP_VISION);
	classify("org/v", "{\"model_type\":\"x\",\"vision_config\":{}}", NULL,
		 "base", CAP_TEXT_GENERATION);
	classify("org/g", "{\"model_type\":\"gemma3n\"}", NULL, "base",
		 CAP_TEXT_GENERATION | CAP_AUDIO);
	classify("org/whisper-large-v3", "{\"model_type\":\"whisper\"}", NULL,
		 "audio", CAP_AUDIO | CAP_AUDIO_TRANSLATE_EN);
	classify("org/whisper-base.en", "{\"model_type\":\"whisper\"}", NULL,
		 "audio", CAP_AUDIO);
	classify("org/whisper-large-v3-turbo", "{\"model_type\":\"whisper\"}",
		 NULL, "audio", CAP_AUDIO);
	classify("org/vox", "{\"model_type\":\"voxtral\"}", NULL, "audio",
		 CAP_AUDIO);
	classify("org/cfg-chat", "{\"model_type\":\"chat\"}", NULL, "chat",
		 CAP_TEXT_GENERATION | CAP_CHAT);
	classify("org/none", NULL, NULL, "base", CAP_TEXT_GENERATION);
	classify("org/garbage", "[[[", NULL, "base", CAP_TEXT_GENERATION);

	/* tokenizer.json is only parsed when it can hold a template. */
	model_meta_init(&m);
	model_meta_parse_tokenizer(&m, "{\"chat_template\":\"x\"}", 21);
	ok(m.tokenizer_template, "tokenizer.json template");
	model_meta_parse_tokenizer(&m, "{\"model\":{}}", 12);
	ok(!m.tokenizer_template, "tokenizer.json without template");
	model_meta_parse_tokenizer(&m, "{\"chat_template\":", 17);
	ok(!m.tokenizer_template, "tokenizer.json truncated");
	model_meta_release(&m);

	/* JSON states. */
	model_meta_init(&m);
	model_meta_parse(&m.config, "{}", 2);
	is_int(m.config.state, META_OK, "{} is an object");
	model_meta_parse(&m.config, "[1]", 3);
	is_int(m.config.state, META_NOT_OBJECT, "[1] is not");
	model_meta_parse(&m.config, "{", 1);
	is_int(m.config.state, META_INVALID_JSON, "{ is invalid");
	model_meta_release(&m);

	ok(model_type_supported_by_mlx_lm("llama"), "llama supported");
	ok(model_type_supported_by_mlx_lm("mistral"), "remapped alias");
	ok(model_type_supported_by_mlx_lm("qwen2_5_vl"), "qwen2_5_vl");
	ok(!model_type_supported_by_mlx_lm("frobnet"), "frobnet is not");
	ok(!model_type_supported_by_mlx_lm(NULL), "NULL is not");
	ok(!model_type_supported_by_mlx_lm("LLAMA"), "case-sensitive");

	is_int(framework_parse("mlx"), FRAMEWORK_MLX, "mlx");
	is_int(framework_parse("PYTORCH"), FRAMEWORK_PYTORCH, "PYTORCH");
	is_int(framework_parse("Unknown"), FRAMEWORK_UNKNOWN, "Unknown");
	is_int(framework_parse("tf"), -1, "tf");

	ok(model_readme_says_mlx("---\nlibrary_name: mlx\n---\n"),
	   "readme library_name");
	ok(model_readme_says_mlx("---\ntags:\n- text\n- mlx\n---\n"),
	   "readme tag list");
	ok(model_readme_says_mlx("---\ntags: [a, \"mlx\"]\n---\n"),
	   "readme inline tags");
	ok(!model_readme_says_mlx("---\ntags:\n- mlx-lm\n---\n"),
	   "mlx-lm is not mlx");
	ok(!model_readme_says_mlx("# title\nlibrary_name: mlx\n"),
	   "no front matter");

	ok(health_is_partial_marker("model.safetensors.partial"), ".partial");
	ok(health_is_partial_marker("sub/x.TMP"), ".tmp");
	ok(health_is_partial_marker("a.partial.json"), "contains .partial");
	ok(!health_is_partial_marker("partial_rotary.json"), "partial_");
	ok(!health_is_partial_marker("tmpfile"), "tmp prefix");

	ref(c40, 40, c40, 1);
	ref("0123456789ABCDEF0123456789ABCDEF01234567\n", 41, c40, 0);
	ref("0123456789abcdef0123456789abcdef01234567 \r\n", 43, c40, 0);
	ref("garbage", 7, NULL, 0);
	ref("", 0, NULL, 0);
	ref("0123456789abcdef0123456789abcdef0123456", 39, NULL, 0);
	ref("0123456789abcdef0123456789abcdef01234567\0x", 42, NULL, 0);

	ok(is_commit_hash(c40), "is_commit_hash");
	ok(!is_commit_hash("main"), "main is not a commit");
	return done_testing();
}
