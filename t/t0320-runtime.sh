#!/bin/bash
# runtime_compatible / reason: the gates after the integrity check.
. "$(dirname "$0")/test-lib.sh"

# model NAME CONFIG [WEIGHT-FILE]: an MLX-framework model.
model() {
	local c
	c=$(commit_for "$1")
	printf '%s' "$2" | add_file "$1" "$c" config.json >/dev/null
	head -c 300 /dev/urandom | add_file "$1" "$c" "${3:-model.safetensors}" --lfs >/dev/null
	set_ref "$1" main "$c"
}

rt() {
	"$MLXK_BIN" list "$1" --json >"$TRASH/.rt.json"
	json "$TRASH/.rt.json" '[
		"%s|%s" % (m["runtime_compatible"], m["reason"])
		for m in d["data"]["models"]][0]'
}

expect_rt() {
	local got
	got=$(rt "$1")
	if test "$got" != "$2"; then
		echo "error: $1: got '$got', wanted '$2'" >&2
		return 1
	fi
}

Q='"quantization":{"group_size":64,"bits":4}'

test_expect_success 'a supported mlx-lm model type' '
	model mlx-community/qwen3-x "{\"model_type\":\"qwen3\"}" &&
	expect_rt qwen3-x "True|None"
'

test_expect_success 'MODEL_REMAPPING aliases are supported' '
	model org/mistral-x "{\"model_type\":\"mistral\",$Q}" &&
	expect_rt mistral-x "True|None"
'

test_expect_success 'an unknown model type' '
	model org/exotic "{\"model_type\":\"frobnet\",$Q}" &&
	expect_rt exotic "False|Model type '"'"'frobnet'"'"' not supported by mlx-lm"
'

test_expect_success 'config.json missing model_type field' '
	model org/notype "{\"architectures\":[\"X\"],$Q}" &&
	expect_rt notype "False|config.json missing model_type field"
'

test_expect_success 'Legacy format not supported by mlx-lm' '
	model org/legacy "{\"model_type\":\"llama\",$Q}" weights.00.safetensors &&
	expect_rt legacy "False|Legacy format not supported by mlx-lm" &&
	model org/legacy2 "{\"model_type\":\"llama\",$Q}" pytorch_model-00001-of-00001.safetensors &&
	expect_rt legacy2 "False|Legacy format not supported by mlx-lm"
'

test_expect_success 'Incompatible framework' '
	make_model org/pt "" pytorch &&
	expect_rt org/pt "False|Incompatible framework: PyTorch" &&
	make_model org/gg "" gguf &&
	expect_rt org/gg "False|Incompatible framework: GGUF"
'

test_expect_success 'framework from README front matter' '
	c=$(commit_for org/readme-mlx) &&
	printf "{\"model_type\":\"llama\"}" | add_file org/readme-mlx $c config.json >/dev/null &&
	head -c 300 /dev/urandom | add_file org/readme-mlx $c model.safetensors --lfs >/dev/null &&
	printf -- "---\nlibrary_name: mlx\ntags:\n- text\n---\n# hi\n" | add_file org/readme-mlx $c README.md >/dev/null &&
	expect_rt readme-mlx "True|None"
'

test_expect_success 'embedding encoders' '
	model org/bge-small "{\"model_type\":\"bert\",$Q}" &&
	expect_rt bge-small "True|None" &&
	model org/xlm-thing "{\"model_type\":\"xlm-roberta\",$Q}" &&
	expect_rt xlm-thing "False|Embedding encoder not vendored: xlm-roberta — use bge/e5 or Qwen3-Embedding"
'

test_expect_success 'audio models' '
	model org/whisper-tiny "{\"model_type\":\"whisper\",$Q}" &&
	expect_rt whisper-tiny "None|Needs mlx-audio: not checked" &&
	model org/voxtral-mini "{\"model_type\":\"voxtral\",$Q}" &&
	expect_rt voxtral-mini "False|Audio model type '"'"'voxtral'"'"' not supported"
'

test_expect_success 'vision models: the text check, then mlx-vlm is not checked' '
	c=$(commit_for org/llava-x) &&
	model org/llava-x "{\"model_type\":\"llava\",$Q}" &&
	printf "{\"a\":1}" | add_file org/llava-x $c preprocessor_config.json >/dev/null &&
	expect_rt llava-x "None|Needs mlx-vlm: not checked" &&
	c=$(commit_for org/vlm-odd) &&
	model org/vlm-odd "{\"model_type\":\"odd_vl\",\"vision_config\":{\"a\":1},$Q}" &&
	printf "{\"a\":1}" | add_file org/vlm-odd $c preprocessor_config.json >/dev/null &&
	expect_rt vlm-odd "False|Model type '"'"'odd_vl'"'"' not supported by mlx-lm"
'

test_expect_success 'chat detection: template files and names' '
	c=$(commit_for org/tmpl) &&
	model org/tmpl "{\"model_type\":\"llama\",$Q}" &&
	printf "{}" | add_file org/tmpl $c chat_template.jinja >/dev/null &&
	model org/some-Instruct "{\"model_type\":\"llama\",$Q}" &&
	c=$(commit_for org/tokjson) &&
	model org/tokjson "{\"model_type\":\"llama\",$Q}" &&
	printf "{\"a\":1}" | add_file org/tokjson $c tokenizer_config.json >/dev/null &&
	printf "{\"chat_template\":\"{{x}}\"}" | add_file org/tokjson $c tokenizer.json >/dev/null &&
	mlxk list --json >out &&
	json_check out "{m[\"name\"]: m[\"model_type\"] for m in d[\"data\"][\"models\"]}[\"org/tmpl\"] == \"chat\"" &&
	json_check out "{m[\"name\"]: m[\"model_type\"] for m in d[\"data\"][\"models\"]}[\"org/some-Instruct\"] == \"chat\"" &&
	json_check out "{m[\"name\"]: m[\"model_type\"] for m in d[\"data\"][\"models\"]}[\"org/tokjson\"] == \"chat\"" &&
	json_check out "{m[\"name\"]: m[\"model_type\"] for m in d[\"data\"][\"models\"]}[\"org/legacy\"] == \"base\""
'

test_expect_success 'an open verdict: shown, marked, and null in JSON only' '
	mlxk list --health >out &&
	grep "whisper-tiny .* healthy?\$" out &&
	grep "llava-x .* healthy?\$" out &&
	! grep exotic out &&
	mlxk list --health --verbose >out &&
	grep "^org/whisper-tiny .*| healthy  *| ?  *| Needs mlx-audio" out &&
	mlxk show org/llava-x >out &&
	grep "^Health: healthy (files OK, runtime not checked)\$" out &&
	grep "^Reason: Needs mlx-vlm" out &&
	mlxk show org/llava-x --json >out &&
	json_check out "d[\"data\"][\"model\"][\"runtime_compatible\"] is None"
'

test_done
