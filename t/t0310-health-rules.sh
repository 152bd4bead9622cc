#!/bin/bash
# health: every integrity rule, with MLX-Knife 2.0's reason strings.
. "$(dirname "$0")/test-lib.sh"

# reason NAME: "healthy|reason" or "unhealthy|reason" from health --json.
reason() {
	"$MLXK_BIN" health "$1" --json >"$TRASH/.reason.json"
	json "$TRASH/.reason.json" '[e["status"] + "|" + e["reason"]
		for e in d["data"]["healthy"] + d["data"]["unhealthy"]][0]'
}

expect_reason() {
	local got
	got=$(reason "$1")
	if test "$got" != "$2"; then
		echo "error: $1: got '$got', wanted '$2'" >&2
		return 1
	fi
}

# base NAME: config.json (MLX) and nothing else; prints the commit.
base() {
	local c
	c=$(commit_for "$1")
	printf '{"model_type":"llama","quantization":{"group_size":64,"bits":4}}' |
		add_file "$1" "$c" config.json >/dev/null
	set_ref "$1" main "$c"
	echo "$c"
}

snap() {
	echo "$(repo_dir "$1")/snapshots/$(commit_for "$1")"
}

test_expect_success 'Model is healthy' '
	make_model org/ok &&
	expect_reason org/ok "healthy|Model is healthy"
'

test_expect_success 'config.json missing' '
	make_model org/nocfg && rm "$(snap org/nocfg)/config.json" &&
	expect_reason org/nocfg "unhealthy|config.json missing"
'

test_expect_success 'config.json contains invalid JSON' '
	c=$(base org/badcfg) &&
	printf "{nope" | add_file org/badcfg $c config.json >/dev/null &&
	head -c 300 /dev/urandom | add_file org/badcfg $c model.safetensors --lfs >/dev/null &&
	expect_reason org/badcfg "unhealthy|config.json contains invalid JSON"
'

test_expect_success 'config.json is empty or invalid' '
	c=$(base org/emptycfg) &&
	printf "{}" | add_file org/emptycfg $c config.json >/dev/null &&
	expect_reason org/emptycfg "unhealthy|config.json is empty or invalid" &&
	printf "[1,2]" | add_file org/emptycfg $c config.json >/dev/null &&
	expect_reason org/emptycfg "unhealthy|config.json is empty or invalid"
'

test_expect_success 'Invalid index file' '
	c=$(base org/badidx) &&
	head -c 300 /dev/urandom | add_file org/badidx $c model-00001-of-00001.safetensors --lfs >/dev/null &&
	printf "not json" | add_file org/badidx $c model.safetensors.index.json >/dev/null &&
	expect_reason org/badidx "unhealthy|Invalid index file"
'

test_expect_success 'Empty or invalid weight_map in index' '
	c=$(base org/emptymap) &&
	head -c 300 /dev/urandom | add_file org/emptymap $c model-00001-of-00001.safetensors --lfs >/dev/null &&
	printf "{\"weight_map\":{}}" | add_file org/emptymap $c model.safetensors.index.json >/dev/null &&
	expect_reason org/emptymap "unhealthy|Empty or invalid weight_map in index" &&
	printf "{\"weight_map\":[1]}" | add_file org/emptymap $c model.safetensors.index.json >/dev/null &&
	expect_reason org/emptymap "unhealthy|Empty or invalid weight_map in index"
'

test_expect_success 'Multi-file model complete' '
	make_model org/sharded "" sharded &&
	expect_reason org/sharded "healthy|Multi-file model complete"
'

test_expect_success 'Missing weight shards (only indexed shards present)' '
	make_model org/missing "" sharded &&
	rm "$(snap org/missing)/model-00002-of-00002.safetensors" &&
	expect_reason org/missing "unhealthy|Missing weight shards: model-00002-of-00002.safetensors"
'

test_expect_success 'Index/shard mismatch only when other shard files are there' '
	make_model org/mismatch "" sharded &&
	c=$(commit_for org/mismatch) &&
	rm "$(snap org/mismatch)/model-00002-of-00002.safetensors" &&
	head -c 300 /dev/urandom | add_file org/mismatch $c model.safetensors --lfs >/dev/null &&
	expect_reason org/mismatch "unhealthy|Index/shard mismatch (mlx-vlm #624). Index references 2 shards but found 2 different files. Fix: mlxk convert <model> <output> --repair-index"
'

test_expect_success 'a pending download is reported as missing shards, not a mismatch' '
	make_model org/pending "" sharded &&
	c=$(commit_for org/pending) &&
	rm "$(snap org/pending)/model-00002-of-00002.safetensors" &&
	head -c 300 /dev/urandom | add_file org/pending $c model.safetensors --lfs >/dev/null &&
	head -c 100 /dev/urandom >"$(repo_dir org/pending)/blobs/$(printf %064d 7).incomplete" &&
	expect_reason org/pending "unhealthy|download interrupted or in progress: 1 incomplete file(s) (Missing weight shards: model-00002-of-00002.safetensors)"
'

test_expect_success 'Empty weight shards' '
	make_model org/emptyshard "" sharded &&
	c=$(commit_for org/emptyshard) &&
	: | add_file org/emptyshard $c model-00002-of-00002.safetensors --lfs >/dev/null &&
	expect_reason org/emptyshard "unhealthy|Empty weight shards: model-00002-of-00002.safetensors"
'

test_expect_success 'LFS pointers instead of files (index path)' '
	make_model org/lfsidx "" sharded &&
	c=$(commit_for org/lfsidx) &&
	printf "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n" |
		add_file org/lfsidx $c model-00001-of-00002.safetensors >/dev/null &&
	expect_reason org/lfsidx "unhealthy|LFS pointers instead of files: model-00001-of-00002.safetensors"
'

test_expect_success 'the PyTorch index is used when there are .bin shards' '
	c=$(base org/ptidx) &&
	head -c 300 /dev/urandom | add_file org/ptidx $c pytorch_model-00001-of-00002.bin --lfs >/dev/null &&
	printf "{\"weight_map\":{\"a\":\"pytorch_model-00001-of-00002.bin\",\"b\":\"pytorch_model-00002-of-00002.bin\"}}" |
		add_file org/ptidx $c pytorch_model.bin.index.json >/dev/null &&
	expect_reason org/ptidx "unhealthy|Missing weight shards: pytorch_model-00002-of-00002.bin"
'

test_expect_success 'an index without any safetensors is not used' '
	c=$(base org/strayidx) &&
	head -c 300 /dev/urandom | add_file org/strayidx $c model.gguf --lfs >/dev/null &&
	printf "{\"weight_map\":{\"a\":\"gone.safetensors\"}}" |
		add_file org/strayidx $c model.safetensors.index.json >/dev/null &&
	expect_reason org/strayidx "healthy|Model is healthy"
'

test_expect_success 'Inconsistent shard totals detected' '
	c=$(base org/mixed) &&
	head -c 300 /dev/urandom | add_file org/mixed $c model-00001-of-00002.safetensors --lfs >/dev/null &&
	head -c 300 /dev/urandom | add_file org/mixed $c model-00002-of-00003.safetensors --lfs >/dev/null &&
	expect_reason org/mixed "unhealthy|Inconsistent shard totals detected"
'

test_expect_success 'Missing shards by pattern' '
	c=$(base org/gaps) &&
	head -c 300 /dev/urandom | add_file org/gaps $c model-00001-of-00003.safetensors --lfs >/dev/null &&
	head -c 300 /dev/urandom | add_file org/gaps $c model-00003-of-00003.safetensors --lfs >/dev/null &&
	expect_reason org/gaps "unhealthy|Missing shards by pattern: 2/3 present"
'

test_expect_success 'Empty shards' '
	c=$(base org/emptyp) &&
	head -c 300 /dev/urandom | add_file org/emptyp $c model-00001-of-00002.safetensors --lfs >/dev/null &&
	: | add_file org/emptyp $c model-00002-of-00002.safetensors --lfs >/dev/null &&
	expect_reason org/emptyp "unhealthy|Empty shards: model-00002-of-00002.safetensors"
'

test_expect_success 'Safetensors index missing for sharded model' '
	c=$(base org/noidx) &&
	head -c 300 /dev/urandom | add_file org/noidx $c model-00001-of-00002.safetensors --lfs >/dev/null &&
	head -c 301 /dev/urandom | add_file org/noidx $c model-00002-of-00002.safetensors --lfs >/dev/null &&
	expect_reason org/noidx "unhealthy|Safetensors index missing for sharded model"
'

test_expect_success 'No model weights found' '
	base org/noweights >/dev/null &&
	expect_reason org/noweights "unhealthy|No model weights found"
'

test_expect_success 'weights in a subfolder count when none are at the top' '
	c=$(base org/nested) &&
	head -c 300 /dev/urandom | add_file org/nested $c sub/dir/model.safetensors --lfs >/dev/null &&
	expect_reason org/nested "healthy|Model is healthy"
'

test_expect_success 'Partial download marker detected (.partial, .tmp)' '
	make_model org/partial &&
	c=$(commit_for org/partial) &&
	printf x | add_file org/partial $c model.safetensors.partial >/dev/null &&
	expect_reason org/partial "unhealthy|Partial download marker detected" &&
	make_model org/tmpfile &&
	printf x | add_file org/tmpfile $(commit_for org/tmpfile) sub/Upload.TMP >/dev/null &&
	expect_reason org/tmpfile "unhealthy|Partial download marker detected"
'

test_expect_success 'a name merely containing "partial" is no marker (bug 4.1.10)' '
	make_model org/rotary &&
	printf "{\"a\":1}" | add_file org/rotary $(commit_for org/rotary) partial_rotary.json >/dev/null &&
	expect_reason org/rotary "healthy|Model is healthy"
'

test_expect_success 'Empty weight files' '
	c=$(base org/emptyw) &&
	: | add_file org/emptyw $c model.safetensors --lfs >/dev/null &&
	expect_reason org/emptyw "unhealthy|Empty weight files: model.safetensors"
'

test_expect_success 'LFS pointers instead of files (recursive scan)' '
	c=$(base org/lfs) &&
	printf "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n" |
		add_file org/lfs $c model.safetensors >/dev/null &&
	printf "version https://git-lfs.github.com/spec/v1\n" |
		add_file org/lfs $c sub/extra.bin >/dev/null &&
	expect_reason org/lfs "unhealthy|LFS pointers instead of files: model.safetensors, sub/extra.bin"
'

test_expect_success 'vision model without a processor config' '
	make_model org/vis "" vision &&
	expect_reason org/vis "healthy|Model is healthy" &&
	rm "$(snap org/vis)/preprocessor_config.json" &&
	expect_reason org/vis "unhealthy|Vision model missing preprocessor_config.json or processor_config.json"
'

test_expect_success 'vision model with a broken processor config' '
	make_model org/vis2 "" vision &&
	c=$(commit_for org/vis2) &&
	printf "{bad" | add_file org/vis2 $c preprocessor_config.json >/dev/null &&
	expect_reason org/vis2 "unhealthy|preprocessor_config.json invalid JSON" &&
	printf "[1]" | add_file org/vis2 $c preprocessor_config.json >/dev/null &&
	expect_reason org/vis2 "unhealthy|preprocessor_config.json invalid" &&
	rm "$(snap org/vis2)/preprocessor_config.json" &&
	printf "{\"x\":1}" | add_file org/vis2 $c processor_config.json >/dev/null &&
	expect_reason org/vis2 "healthy|Model is healthy"
'

test_expect_success 'tokenizer_config.json checks' '
	make_model org/tok &&
	c=$(commit_for org/tok) &&
	printf "{bad" | add_file org/tok $c tokenizer_config.json >/dev/null &&
	expect_reason org/tok "unhealthy|tokenizer_config.json contains invalid JSON" &&
	printf "\"str\"" | add_file org/tok $c tokenizer_config.json >/dev/null &&
	expect_reason org/tok "unhealthy|tokenizer_config.json exists but invalid" &&
	printf "{\"a\":1}" | add_file org/tok $c tokenizer_config.json >/dev/null &&
	rm "$(snap org/tok)/tokenizer.json" &&
	expect_reason org/tok "unhealthy|tokenizer_config.json present but tokenizer.json missing"
'

test_expect_success 'an integrity failure wins over runtime problems' '
	test_expect_code 1 mlxk health org/tok --json >out &&
	mlxk list tok --json >out &&
	json_check out "d[\"data\"][\"models\"][0][\"reason\"] == \"tokenizer_config.json present but tokenizer.json missing\""
'

test_done
