#!/bin/bash
# Interop with a client we did not write: @huggingface/hub (npm) reads a
# cache written by mlxk pull, mlxk reads a cache written by its
# snapshotDownload, and both downloading at once end in one verified cache.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

INTEROP="$TEST_DIRECTORY/interop"
if ! command -v node >/dev/null; then
	test_skip_all="node is not installed"
elif ! test -d "$INTEROP/node_modules/@huggingface/hub"; then
	test_skip_all="t/interop/node_modules is missing (run scripts/install-deps test)"
fi

printf '{"model_type":"llama","architectures":["LlamaForCausalLM"]}' |
	hub_file org/model main config.json
head -c 400000 /dev/urandom | hub_file org/model main model.safetensors
printf '{"chat_template":"{{ messages }}"}' | hub_file org/model main tokenizer_config.json
printf '{"version":"1.0"}' | hub_file org/model main tokenizer.json
head -c 3000 /dev/urandom | hub_file org/model main sub/extra.bin
printf '{"model_type":"llama"}' | hub_file org/model v1.0 config.json
head -c 5000 /dev/urandom | hub_file org/model v1.0 model.safetensors
fakehub_start
MAIN=$(hub_commit org/model main)
V1=$(hub_commit org/model v1.0)
R="$CACHE/models--org--model"

js_scan() {
	(cd "$INTEROP" && node scan.mjs "$1")
}

js_snapshot() {
	(cd "$INTEROP" && node snapshot.mjs "$HF_ENDPOINT" "$1" "$2" "$3")
}

# expected_scan CACHE: what scanCacheDir must report, computed from the
# files on disk with its documented semantics (top-level snapshot files
# only, top-level refs only, revision size summed per file).
expected_scan() {
	python3 - "$1" <<'PY'
import json, os, sys
cache = sys.argv[1]
repos = []
for folder in sorted(os.listdir(cache)):
    if not folder.startswith("models--"):
        continue
    rp = os.path.join(cache, folder)
    refs = {}
    for name in os.listdir(os.path.join(rp, "refs")):
        p = os.path.join(rp, "refs", name)
        if os.path.isfile(p):
            refs.setdefault(open(p).read(), []).append(name)
    revs, blobs = [], {}
    for commit in sorted(os.listdir(os.path.join(rp, "snapshots"))):
        sp = os.path.join(rp, "snapshots", commit)
        files, size = [], 0
        for e in sorted(os.listdir(sp)):
            p = os.path.join(sp, e)
            if os.path.isdir(p):
                continue
            b = os.path.realpath(p)
            files.append(p)
            size += os.stat(b).st_size
            blobs[b] = os.stat(b).st_size
        revs.append({"commit": commit, "refs": sorted(refs.get(commit, [])),
                     "size": size, "files": files})
    repos.append({"id": folder[8:].replace("--", "/"), "revisions": revs,
                  "size": sum(blobs.values()), "filesCount": len(blobs)})
print(json.dumps(repos, sort_keys=True))
PY
}

test_expect_success 'scanCacheDir reads a cache written by mlxk pull' '
	mlxk pull -q org/model &&
	mlxk pull -q org/model@v1.0 &&
	js_scan "$CACHE" >js.json &&
	json_check js.json "d[\"warnings\"] == []" &&
	json_check js.json "[r[\"id\"] for r in d[\"repos\"]] == [\"org/model\"]" &&
	json_check js.json "[v[\"commit\"] for v in d[\"repos\"][0][\"revisions\"]] == sorted([\"$MAIN\", \"$V1\"])" &&
	json_check js.json "{v[\"commit\"]: v[\"refs\"] for v in d[\"repos\"][0][\"revisions\"]} == {\"$MAIN\": [\"main\"], \"$V1\": [\"v1.0\"]}" &&
	expected_scan "$CACHE" >want.json &&
	python3 -c "
import json, sys
js = json.load(open(\"js.json\"))
want = json.load(open(\"want.json\"))
got = [{\"id\": r[\"id\"], \"size\": r[\"size\"], \"filesCount\": r[\"filesCount\"],
        \"revisions\": [{\"commit\": v[\"commit\"], \"refs\": v[\"refs\"], \"size\": v[\"size\"],
                        \"files\": [f[\"path\"] for f in v[\"files\"]]} for v in r[\"revisions\"]]}
       for r in js[\"repos\"]]
if got != want:
    print(\"got \", json.dumps(got, sort_keys=True)); print(\"want\", json.dumps(want, sort_keys=True)); sys.exit(1)
"
'

test_expect_success 'scanCacheDir sizes agree with the files mlxk downloaded' '
	json_check js.json "{v[\"commit\"]: v[\"size\"] for v in d[\"repos\"][0][\"revisions\"]}[\"$V1\"] == $(cat "$HUBROOT"/org/model/v1.0/* | wc -c)"
'

test_expect_success 'mlxk reads a cache written by snapshotDownload as complete' '
	JS="$TRASH/jscache" &&
	js_snapshot org/model main "$JS" >path &&
	test "$(cat path)" = "$JS/models--org--model/snapshots/$MAIN" &&
	JR="$JS/models--org--model" &&
	blobs_are_hashes "$JR" &&
	for f in config.json model.safetensors tokenizer_config.json tokenizer.json sub/extra.bin; do
		cmp "$HUBROOT/org/model/main/$f" "$JR/snapshots/$MAIN/$f" || return 1
	done &&
	hub_log_reset &&
	mlxk --cache-dir "$JS" --json pull org/model >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	! hub_log "\"/resolve/\" in e[\"p\"]" | grep .
'

test_expect_success 'mlxk list and health see the snapshotDownload cache as healthy' '
	JS="$TRASH/jscache" &&
	mlxk --cache-dir "$JS" list --json >list.json &&
	json_check list.json "[m[\"name\"] for m in d[\"data\"][\"models\"]] == [\"org/model\"]" &&
	json_check list.json "d[\"data\"][\"models\"][0][\"health\"] == \"healthy\"" &&
	json_check list.json "d[\"data\"][\"models\"][0][\"hash\"] == \"$MAIN\"" &&
	mlxk --cache-dir "$JS" health --json org/model >health.json &&
	json_check health.json "d[\"data\"][\"summary\"][\"healthy_count\"] == 1" &&
	json_check health.json "d[\"data\"][\"summary\"][\"unhealthy_count\"] == 0" &&
	mlxk --cache-dir "$JS" health org/model >health.txt
'

test_expect_success 'mlxk pull and snapshotDownload at once end in one verified cache' '
	rm -rf "$CACHE" &&
	knobs "{\"slow\": 1000000}" &&
	{ "$MLXK_BIN" pull -q org/model >mlxk.out 2>mlxk.err & } &&
	a=$! &&
	{ js_snapshot org/model main "$CACHE" >js.out 2>js.err & } &&
	b=$! &&
	{ wait $a; ra=$?; } &&
	{ wait $b; rb=$?; } &&
	knobs "{}" &&
	echo "mlxk: $ra, js: $rb" &&
	cat mlxk.err js.err &&
	test $ra = 0 &&
	blobs_are_hashes "$R" &&
	! ls "$R/blobs" | grep incomplete &&
	for f in config.json model.safetensors tokenizer_config.json tokenizer.json sub/extra.bin; do
		cmp "$HUBROOT/org/model/main/$f" "$R/snapshots/$MAIN/$f" || return 1
	done &&
	printf "%s" "$MAIN" >expect && test_cmp expect "$R/refs/main"
'

test_expect_success 'after the race, a second mlxk pull has nothing to do' '
	mlxk --json pull org/model >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	mlxk health --json org/model >health.json &&
	json_check health.json "d[\"data\"][\"summary\"][\"healthy_count\"] == 1"
'

test_done
