#!/bin/bash
# show: the human view, --files, --config and the JSON shapes.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	make_model mlx-community/Phi-3-mini-4k-instruct-4bit &&
	touch -d "2024-01-02T03:04:05Z" "$(repo_dir mlx-community/Phi-3-mini-4k-instruct-4bit)/snapshots/$(commit_for mlx-community/Phi-3-mini-4k-instruct-4bit)" &&
	make_model org/pt "" pytorch &&
	c=$(commit_for org/full) &&
	printf "{\"model_type\":\"qwen2\",\"architectures\":[\"Qwen2ForCausalLM\"],\"max_position_embeddings\":32768,\"vocab_size\":151936,\"hidden_size\":896,\"num_attention_heads\":14,\"num_hidden_layers\":24,\"quantization\":{\"group_size\":32,\"bits\":8}}" |
		add_file org/full $c config.json >/dev/null &&
	head -c 1500 /dev/urandom | add_file org/full $c model.safetensors --lfs >/dev/null &&
	printf "# Full\n" | add_file org/full $c README.md >/dev/null &&
	printf "x" | add_file org/full $c merges.txt >/dev/null &&
	printf "{}" | add_file org/full $c sub/tokenizer_extra.json >/dev/null &&
	set_ref org/full main $c
'

test_expect_success 'human view of a healthy model' '
	P=$(commit_for mlx-community/Phi-3-mini-4k-instruct-4bit | cut -c1-7) &&
	cat >expect <<-EOF &&
	Model: mlx-community/Phi-3-mini-4k-instruct-4bit@$P
	Framework: MLX
	Type: chat
	Capabilities: text-generation, chat
	Quantization: 4-bit (group_size=64)
	Size: 4.2KB
	Modified: 2024-01-02
	Health: healthy

	Metadata:
	  model_type: llama
	  architecture: LlamaForCausalLM
	  quantization: 4bit

	Snapshot: $CACHE/models--mlx-community--Phi-3-mini-4k-instruct-4bit/snapshots/$(commit_for mlx-community/Phi-3-mini-4k-instruct-4bit)
	Revisions: 1
	  * $P  4.2KB  2024-01-02  main
	EOF
	mlxk show Phi-3-mini-4k-instruct-4bit >out &&
	test_cmp expect out
'

test_expect_success 'show lists every revision with refs and the snapshot path' '
	make_model org/revs c0ffee0000000000000000000000000000000001 &&
	make_model org/revs c0ffee0000000000000000000000000000000002 &&
	set_ref org/revs v1 c0ffee0000000000000000000000000000000001 &&
	mlxk show org/revs >out &&
	test_grep "^Snapshot: $CACHE/models--org--revs/snapshots/c0ffee0000000000000000000000000000000002$" out &&
	test_grep "^Revisions: 2$" out &&
	test_grep "^    c0ffee0  4.2KB  .*  v1$" out &&
	test_grep "^  \* c0ffee0  4.2KB  .*  main$" out &&
	mlxk --json show org/revs@v1 >out &&
	json_check out "d[\"data\"][\"snapshot_path\"] == \"$CACHE/models--org--revs/snapshots/c0ffee0000000000000000000000000000000001\"" &&
	json_check out "[(r[\"refs\"], r[\"current\"]) for r in d[\"data\"][\"revisions\"]] == [([\"v1\"], True), ([\"main\"], False)]"
'

test_expect_success 'human view of a runnable-incompatible model shows the reason' '
	mlxk show org/pt >out &&
	test_grep "^Quantization: -$" out &&
	test_grep "^Health: healthy (files OK, runtime incompatible)$" out &&
	test_grep "^Reason: Incompatible framework: PyTorch$" out
'

test_expect_success 'metadata fields come from config.json' '
	mlxk show org/full >out &&
	test_grep "^  context_length: 32768$" out &&
	test_grep "^  num_hidden_layers: 24$" out &&
	test_grep "^Quantization: 8-bit (group_size=32)$" out &&
	mlxk show org/full --json >out &&
	json_check out "d[\"data\"][\"metadata\"] == {\"model_type\": \"qwen2\", \"architecture\": \"Qwen2ForCausalLM\", \"quantization\": \"8bit\", \"context_length\": 32768, \"vocab_size\": 151936, \"hidden_size\": 896, \"num_attention_heads\": 14, \"num_hidden_layers\": 24}"
'

test_expect_success 'JSON: model object, workspace_metadata null, metadata' '
	mlxk show org/full --json >out &&
	test "$(python3 "$TEST_DIRECTORY/lib/check-model.py" out)" = 1 &&
	json_check out "sorted(d[\"data\"]) == [\"metadata\", \"model\", \"revisions\", \"snapshot_path\", \"workspace_metadata\"]" &&
	json_check out "d[\"data\"][\"model\"][\"name\"] == \"org/full\"" &&
	json_check out "d[\"data\"][\"model\"][\"quantization\"] == {\"group_size\": 32, \"bits\": 8}" &&
	mlxk show org/pt --json >outpt &&
	json_check outpt "d[\"data\"][\"model\"][\"quantization\"] is None" &&
	mlxk --json show org/full >out2 &&
	test_cmp out out2
'

test_expect_success '--files: kinds and sizes, human and JSON' '
	mlxk show org/full --files >out &&
	test_grep "^Files:$" out &&
	test_grep "^  - config.json (config, [0-9]*B)$" out &&
	test_grep "^  - model.safetensors (weights, 1.5KB)$" out &&
	test_grep "^  - README.md (readme, 7B)$" out &&
	test_grep "^  - merges.txt (other, 1B)$" out &&
	test_grep "^  - sub/tokenizer_extra.json (tokenizer, 2B)$" out &&
	mlxk show org/full --files --json >out &&
	json_check out "d[\"data\"][\"metadata\"] is None" &&
	json_check out "sorted(d[\"data\"]) == [\"files\", \"metadata\", \"model\", \"revisions\", \"snapshot_path\", \"workspace_metadata\"]" &&
	json_check out "{f[\"name\"]: (f[\"type\"], f[\"size\"]) for f in d[\"data\"][\"files\"]} == {\"README.md\": (\"readme\", \"7B\"), \"config.json\": (\"config\", \"%dB\" % len(open(\"$(repo_dir org/full)/snapshots/$(commit_for org/full)/config.json\").read())), \"merges.txt\": (\"other\", \"1B\"), \"model.safetensors\": (\"weights\", \"1.5KB\"), \"tokenizer_extra.json\": (\"tokenizer\", \"2B\")}" &&
	json_check out "all(sorted(f) == [\"name\", \"size\", \"type\"] for f in d[\"data\"][\"files\"])"
'

test_expect_success '--config: the parsed config.json, metadata null' '
	mlxk show org/full --config --json >out &&
	json_check out "d[\"data\"][\"config\"][\"hidden_size\"] == 896" &&
	json_check out "d[\"data\"][\"metadata\"] is None" &&
	json_check out "\"files\" not in d[\"data\"]" &&
	mlxk show org/full --config >out &&
	test_grep "^Config:$" out &&
	test_grep "\"hidden_size\": 896" out
'

test_expect_success '--files wins over --config' '
	mlxk show org/full --config --files --json >out &&
	json_check out "\"files\" in d[\"data\"] and \"config\" not in d[\"data\"]"
'

test_expect_success '--config without a usable config.json gives null' '
	make_model org/nocfg "" base &&
	rm "$(repo_dir org/nocfg)/snapshots/$(commit_for org/nocfg)/config.json" &&
	mlxk show org/nocfg --config --json >out &&
	json_check out "d[\"data\"][\"config\"] is None" &&
	mlxk show org/nocfg --json >out &&
	json_check out "d[\"data\"][\"metadata\"] is None" &&
	json_check out "d[\"data\"][\"model\"][\"reason\"] == \"config.json missing\"" &&
	mlxk show org/nocfg >out &&
	test_grep "^Health: unhealthy$" out &&
	test_grep "^Reason: config.json missing$" out
'

test_expect_success '@rev shows that revision, health included' '
	good=$(commit_for org/two-good) && bad=$(commit_for org/two-bad) &&
	make_model org/two $good base &&
	make_model org/two $bad base &&
	rm "$(repo_dir org/two)/snapshots/$bad/config.json" &&
	set_ref org/two main $good &&
	mlxk show org/two@$(echo $bad | cut -c1-7) --json >out &&
	json_check out "d[\"data\"][\"model\"][\"hash\"] == \"$bad\"" &&
	json_check out "d[\"data\"][\"model\"][\"health\"] == \"unhealthy\"" &&
	mlxk show org/two --json >out &&
	json_check out "d[\"data\"][\"model\"][\"hash\"] == \"$good\"" &&
	json_check out "d[\"data\"][\"model\"][\"health\"] == \"healthy\""
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 mlxk show 2>err &&
	test_grep "needs a model" err &&
	test_expect_code 2 mlxk show a b 2>err &&
	test_expect_code 2 mlxk show org/full --frob 2>err &&
	test_grep "unknown option" err
'

test_expect_success 'a model without snapshots can be shown' '
	mkdir -p "$(repo_dir org/empty)/snapshots" &&
	mlxk show org/empty --json >out &&
	json_check out "d[\"data\"][\"model\"][\"hash\"] is None" &&
	json_check out "d[\"data\"][\"model\"][\"reason\"] == \"No snapshots found\"" &&
	mlxk show org/empty >out &&
	test_grep "^Model: org/empty$" out
'

test_done
