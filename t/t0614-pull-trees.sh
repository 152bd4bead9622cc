#!/bin/bash
# mlxk pull writes trees/<commit>.json, the commit's full listing in
# huggingface_hub's format (the bytes of Python's json.dump(indent=1)),
# and offline pulls use it to tell a complete snapshot from a partial one.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 300000 /dev/urandom | hub_file org/model main model.safetensors
head -c 5000 /dev/urandom | hub_file org/model main sub/weights.bin
echo é | hub_file org/model main "données/é.txt"
echo tok | hub_file org/model main tokenizer.json
echo a | hub_file org/uni main "emoji-😀.txt"
echo b | hub_file org/uni main "Zz/ü.json"
echo c | hub_file org/uni main "a b'c\"d.json"
echo d | hub_file org/uni main "日本/語.txt"
fakehub_start
MAIN=$(hub_commit org/model main)
R="$CACHE/models--org--model"
TREE="$R/trees/$MAIN.json"

# expected_tree [ORG/NAME]: what huggingface_hub writes for the fake Hub's
# listing of main (all pages of it).
expected_tree() {
	python3 - "$HF_ENDPOINT/api/models/${1:-org/model}/tree/$(hub_commit "${1:-org/model}" main)?recursive=true" <<'PY'
import json, re, sys, urllib.request
files, url = {}, sys.argv[1]
while url:
    with urllib.request.urlopen(url) as r:
        page = json.load(r)
        m = re.search(r'<([^>]+)>;\s*rel="next"', r.headers.get("Link") or "")
        url = m.group(1) if m else None
    for e in page:
        if e["type"] != "file":
            continue
        info = {"size": e["size"], "blob_id": e["oid"]}
        if "lfs" in e:
            info["lfs_sha256"] = e["lfs"]["oid"]
            info["lfs_size"] = e["lfs"]["size"]
        if "xetHash" in e:
            info["xet_hash"] = e["xetHash"]
        files[e["path"]] = info
data = {"format_version": 1, "files": {p: files[p] for p in sorted(files)}}
sys.stdout.write(json.dumps(data, indent=1))
PY
}

test_expect_success 'pull writes the full listing, byte for byte as huggingface_hub' '
	mlxk pull -q --include "config.json" org/model &&
	test_path_is_file "$TREE" &&
	expected_tree >expect &&
	test_cmp expect "$TREE" &&
	grep -q "\"model.safetensors\"" "$TREE" &&
	grep -q "donn\\\\u00e9es" "$TREE" &&
	! ls "$R/trees" | grep -v "^$MAIN.json$"
'

test_expect_success 'astral, CJK, quotes and spaces are escaped and sorted as in Python' '
	mlxk pull -q org/uni &&
	expected_tree org/uni >expect &&
	test_cmp expect "$CACHE/models--org--uni/trees/$(hub_commit org/uni main).json" &&
	grep -q "ud83d\\\\ude00" expect
'

test_expect_success 'offline, a partial snapshot is not taken for the model' '
	test_expect_code 1 env HF_HUB_OFFLINE=1 "$MLXK_BIN" pull org/model 2>err &&
	test_grep "offline mode is on" err &&
	test_grep "(4 of 5 files missing)" err
'

test_expect_success 'offline, the same filters find the snapshot complete' '
	HF_HUB_OFFLINE=1 mlxk --json pull --include config.json org/model >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	test_expect_code 1 env HF_HUB_OFFLINE=1 "$MLXK_BIN" pull \
		--include "*.json" org/model 2>err &&
	test_grep "(1 of 2 files missing)" err
'

test_expect_success 'offline after the whole pull: already exists' '
	mlxk pull -q org/model &&
	HF_HUB_OFFLINE=1 mlxk --json pull org/model >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\""
'

test_expect_success 'offline, a stray partial blob matters only without the listing' '
	stray="$R/blobs/$(printf %064d 7).incomplete" &&
	echo half >"$stray" &&
	HF_HUB_OFFLINE=1 mlxk --json pull org/model >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	mv "$TREE" tree.save &&
	test_expect_code 1 env HF_HUB_OFFLINE=1 "$MLXK_BIN" pull org/model 2>err &&
	test_grep "offline mode is on" err &&
	mv tree.save "$TREE" && rm "$stray"
'

test_expect_success 'offline, a file lost from the snapshot is noticed' '
	mv "$R/snapshots/$MAIN/tokenizer.json" tok.save &&
	test_expect_code 1 env HF_HUB_OFFLINE=1 "$MLXK_BIN" pull org/model 2>err &&
	test_grep "(1 of 5 files missing)" err &&
	mv tok.save "$R/snapshots/$MAIN/tokenizer.json"
'

test_expect_success 'a listing already there is left alone' '
	printf "{\"format_version\": 1, \"files\": {}}" >"$TREE" &&
	cp "$TREE" keep &&
	mlxk pull -q org/model &&
	test_cmp keep "$TREE"
'

test_expect_success 'a corrupt or unknown-format listing is replaced' '
	printf "{\"format_version\": 1, \"fil" >"$TREE" &&
	mlxk pull -q org/model &&
	expected_tree >expect && test_cmp expect "$TREE" &&
	printf "{\"format_version\": 2, \"files\": {}}" >"$TREE" &&
	mlxk pull -q org/model &&
	test_cmp expect "$TREE" &&
	! ls "$R/trees" | grep tmp
'

test_expect_success 'Xet-backed files carry their xet_hash' '
	rm -rf "$CACHE" && knobs "{\"xet\": true}" &&
	mlxk pull -q org/model &&
	expected_tree >expect &&
	test_cmp expect "$TREE" &&
	grep -q "\"xet_hash\"" "$TREE" &&
	knobs "{}"
'

test_expect_success 'health --verify checks regular snapshot files against the listing' '
	f="$R/snapshots/$MAIN/model.safetensors" &&
	cp --remove-destination "$(readlink -f "$f")" "$f" &&
	mlxk health --verify org/model >out 2>&1 &&
	printf "\377" | dd of="$f" bs=1 seek=10 conv=notrunc 2>/dev/null &&
	test_expect_code 1 mlxk health --verify org/model >out 2>&1 &&
	test_grep "model.safetensors" out
'

test_expect_success 'a cache that cannot take the listing still pulls, with a warning' '
	rm -rf "$CACHE" &&
	mlxk pull -q --include config.json org/model &&
	rm -rf "$R/trees" && echo not a folder >"$R/trees" &&
	mlxk pull org/model >out 2>err &&
	test_grep "^mlxk: warning: cannot .*trees" err &&
	test_grep "^fetched model.safetensors" err &&
	echo not a folder >expect && test_cmp expect "$R/trees" &&
	blobs_are_hashes "$R"
'

test_done
