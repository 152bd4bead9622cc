#!/bin/bash
# list --json: the model objects, filters, sizes, times and revisions.
. "$(dirname "$0")/test-lib.sh"

check_models() {
	python3 "$TEST_DIRECTORY/lib/check-model.py" "$1"
}

test_expect_success 'a missing cache is an empty listing, exit 0' '
	mlxk list --json >out &&
	json_check out "d[\"data\"] == {\"models\": [], \"count\": 0}" &&
	mlxk list >out 2>err &&
	test_must_be_empty out &&
	test_grep "no models found" err
'

test_expect_success 'setup: one model of every kind' '
	make_model mlx-community/Phi-3-mini-4k-instruct-4bit &&
	make_model org/pt "" pytorch &&
	make_model org/gg "" gguf &&
	make_model org/bert-embed "" embedding &&
	make_model org/vis "" vision &&
	make_model org/shard "" sharded &&
	make_model org/base "" base
'

test_expect_success 'every model object has exactly the 0.2.3 keys and enums' '
	mlxk list --json >out &&
	test "$(check_models out)" = 7 &&
	mlxk --json list >out2 &&
	test_cmp out out2
'

test_expect_success 'models are sorted by name and counted' '
	mlxk list --json >out &&
	json_check out "[m[\"name\"] for m in d[\"data\"][\"models\"]] == [\"mlx-community/Phi-3-mini-4k-instruct-4bit\", \"org/base\", \"org/bert-embed\", \"org/gg\", \"org/pt\", \"org/shard\", \"org/vis\"]" &&
	json_check out "d[\"data\"][\"count\"] == 7"
'

m() { echo "[x for x in d[\"data\"][\"models\"] if x[\"name\"] == \"$1\"][0]"; }

test_expect_success 'frameworks, types and capabilities' '
	mlxk list --json >out &&
	json_check out "$(m mlx-community/Phi-3-mini-4k-instruct-4bit)[\"framework\"] == \"MLX\"" &&
	json_check out "$(m mlx-community/Phi-3-mini-4k-instruct-4bit)[\"model_type\"] == \"chat\"" &&
	json_check out "$(m mlx-community/Phi-3-mini-4k-instruct-4bit)[\"capabilities\"] == [\"text-generation\", \"chat\"]" &&
	json_check out "$(m org/pt)[\"framework\"] == \"PyTorch\"" &&
	json_check out "$(m org/gg)[\"framework\"] == \"GGUF\"" &&
	json_check out "$(m org/bert-embed)[\"model_type\"] == \"embedding\"" &&
	json_check out "$(m org/bert-embed)[\"capabilities\"] == [\"embeddings\"]" &&
	json_check out "$(m org/vis)[\"capabilities\"] == [\"text-generation\", \"chat\", \"vision\"]" &&
	json_check out "$(m org/base)[\"model_type\"] == \"base\"" &&
	json_check out "$(m org/base)[\"capabilities\"] == [\"text-generation\"]"
'

test_expect_success 'runtime_compatible and reason' '
	mlxk list --json >out &&
	json_check out "$(m org/base)[\"runtime_compatible\"] is True and $(m org/base)[\"reason\"] is None" &&
	json_check out "$(m org/pt)[\"runtime_compatible\"] is False" &&
	json_check out "$(m org/pt)[\"reason\"] == \"Incompatible framework: PyTorch\"" &&
	json_check out "$(m org/gg)[\"reason\"] == \"Incompatible framework: GGUF\"" &&
	json_check out "all(x[\"cached\"] is True for x in d[\"data\"][\"models\"])"
'

test_expect_success 'PATTERN is a case-insensitive substring of org/name' '
	mlxk list PHI --json >out &&
	json_check out "[x[\"name\"] for x in d[\"data\"][\"models\"]] == [\"mlx-community/Phi-3-mini-4k-instruct-4bit\"]" &&
	mlxk list org/b --json >out &&
	json_check out "[x[\"name\"] for x in d[\"data\"][\"models\"]] == [\"org/base\", \"org/bert-embed\"]" &&
	mlxk list nothing-matches --json >out &&
	json_check out "d[\"data\"][\"count\"] == 0"
'

test_expect_success '--framework filters case-insensitively' '
	mlxk list --framework gguf --json >out &&
	json_check out "[x[\"name\"] for x in d[\"data\"][\"models\"]] == [\"org/gg\"]" &&
	mlxk list --framework PyTorch --json >out &&
	json_check out "[x[\"name\"] for x in d[\"data\"][\"models\"]] == [\"org/pt\"]" &&
	mlxk list --framework MLX --json >out &&
	json_check out "d[\"data\"][\"count\"] == 5" &&
	mlxk list --framework unknown --json >out &&
	json_check out "d[\"data\"][\"count\"] == 0" &&
	mlxk list org --framework=mlx --json >out &&
	json_check out "d[\"data\"][\"count\"] == 4"
'

test_expect_success 'an unknown --framework is a usage error (exit 2)' '
	test_expect_code 2 mlxk list --framework tensorflow 2>err &&
	test_grep "unknown framework" err &&
	test_expect_code 2 mlxk list --framework 2>err &&
	test_grep "framework needs a value" err &&
	test_expect_code 2 mlxk list --framework tensorflow --json >out &&
	json_check out "d[\"status\"] == \"error\""
'

test_expect_success 'unknown options and extra arguments exit 2' '
	test_expect_code 2 mlxk list --frob 2>err &&
	test_grep "unknown option" err &&
	test_expect_code 2 mlxk list a b 2>err &&
	test_grep "too many arguments" err
'

test_expect_success 'JSON is never filtered by health' '
	make_model org/broken "" base &&
	rm "$(repo_dir org/broken)/snapshots/$(commit_for org/broken)/config.json" &&
	mlxk list --json >out &&
	check_models out &&
	json_check out "$(m org/broken)[\"health\"] == \"unhealthy\"" &&
	json_check out "$(m org/broken)[\"reason\"] == \"config.json missing\"" &&
	json_check out "$(m org/broken)[\"runtime_compatible\"] is False"
'

test_expect_success 'last_modified is the UTC mtime of the snapshot folder' '
	make_model org/timed "" base &&
	touch -d "2024-03-05T06:07:08Z" "$(repo_dir org/timed)/snapshots/$(commit_for org/timed)" &&
	TZ=America/New_York mlxk list timed --json >out &&
	json_check out "d[\"data\"][\"models\"][0][\"last_modified\"] == \"2024-03-05T06:07:08Z\""
'

test_expect_success 'size_bytes counts each blob of the revision once' '
	make_model org/sized "" base &&
	c=$(commit_for org/sized) &&
	dir=$(repo_dir org/sized) &&
	ln -s ../../blobs/$(ls "$dir/blobs" | head -1) "$dir/snapshots/$c/copy.bin" &&
	head -c 500 /dev/zero | add_file org/sized $c extra.txt >/dev/null &&
	want=$(find -L "$dir/blobs" -type f -printf "%s\n" | awk "{s+=\$1} END {print s}") &&
	mlxk list sized --json >out &&
	json_check out "d[\"data\"][\"models\"][0][\"size_bytes\"] == $want"
'

test_expect_success 'the current revision is refs/main, else the newest snapshot' '
	old=$(commit_for org/revs-old) && new=$(commit_for org/revs-new) &&
	make_model org/revs $old base &&
	make_model org/revs $new pytorch &&
	set_ref org/revs main $old &&
	backdate "$(repo_dir org/revs)/snapshots/$old" 86400 &&
	mlxk list revs --json >out &&
	json_check out "d[\"data\"][\"models\"][0][\"hash\"] == \"$old\"" &&
	json_check out "d[\"data\"][\"models\"][0][\"framework\"] == \"MLX\"" &&
	rm "$(repo_dir org/revs)/refs/main" &&
	mlxk list revs --json >out &&
	json_check out "d[\"data\"][\"models\"][0][\"hash\"] == \"$new\"" &&
	json_check out "d[\"data\"][\"models\"][0][\"framework\"] == \"PyTorch\""
'

test_expect_success 'hash is null when the snapshot folder is not a commit' '
	make_model org/named main base &&
	rm -f "$(repo_dir org/named)/refs/main" &&
	mlxk list org/named --json >out &&
	check_models out &&
	json_check out "d[\"data\"][\"models\"][0][\"hash\"] is None" &&
	mlxk list org/named --all >out &&
	test_grep "^org/named *| - *|" out
'

test_expect_success 'datasets, spaces, .locks and stray files are not models' '
	mkdir -p "$CACHE/datasets--org--data/snapshots" "$CACHE/.locks/models--org--x" &&
	echo x >"$CACHE/models--org--file" &&
	printf "Signature: 8a477f597d28d172789f06886806bc55\n" >"$CACHE/CACHEDIR.TAG" &&
	mlxk list --json >out &&
	json_check out "not any(\"data\" in x[\"name\"] or x[\"name\"] == \"org/file\" for x in d[\"data\"][\"models\"])"
'

test_expect_success 'the MLX-Knife test sentinel is hidden' '
	make_model org/TEST-CACHE-SENTINEL-x "" base &&
	mlxk list --json >out &&
	json_check out "not any(\"SENTINEL\" in x[\"name\"] for x in d[\"data\"][\"models\"])"
'

test_expect_success 'an embedding decoder and an audio model' '
	c=$(commit_for org/Qwen3-Embedding-0.6B) &&
	printf "{\"model_type\":\"qwen3\",\"architectures\":[\"Qwen3ForCausalLM\"],\"quantization\":{\"bits\":4,\"group_size\":64}}" |
		add_file org/Qwen3-Embedding-0.6B $c config.json >/dev/null &&
	head -c 300 /dev/urandom | add_file org/Qwen3-Embedding-0.6B $c model.safetensors --lfs >/dev/null &&
	c=$(commit_for org/whisper-large-v3) &&
	printf "{\"model_type\":\"whisper\",\"quantization\":{\"bits\":4,\"group_size\":64}}" |
		add_file org/whisper-large-v3 $c config.json >/dev/null &&
	head -c 300 /dev/urandom | add_file org/whisper-large-v3 $c model.safetensors --lfs >/dev/null &&
	c=$(commit_for org/whisper-small.en) &&
	printf "{\"model_type\":\"whisper\",\"quantization\":{\"bits\":4,\"group_size\":64}}" |
		add_file org/whisper-small.en $c config.json >/dev/null &&
	head -c 300 /dev/urandom | add_file org/whisper-small.en $c model.safetensors --lfs >/dev/null &&
	mlxk list --json >out &&
	check_models out &&
	json_check out "$(m org/Qwen3-Embedding-0.6B)[\"model_type\"] == \"embedding\"" &&
	json_check out "$(m org/Qwen3-Embedding-0.6B)[\"runtime_compatible\"] is True" &&
	json_check out "$(m org/whisper-large-v3)[\"capabilities\"] == [\"audio\", \"audio-translate-en\"]" &&
	json_check out "$(m org/whisper-small.en)[\"capabilities\"] == [\"audio\"]" &&
	json_check out "$(m org/whisper-large-v3)[\"runtime_compatible\"] is None"
'

test_done
