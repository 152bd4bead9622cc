#!/bin/bash
# mlxk pull: the success line names the snapshot folder and counts what
# this run fetched (files and bytes received, bytes reused from partial
# files), not what the cache held; the fake Hub's log of bodies sent is
# the truth the counts are checked against.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 1500000 /dev/urandom | hub_file org/model main model.safetensors
head -c 5000 /dev/urandom | hub_file org/model main sub/weights.bin
echo hello | hub_file org/model main README.md
# v2: the same files at another commit (only links to make).
mkdir -p "$HUBROOT/org/model/v2" &&
	cp -R "$HUBROOT/org/model/main/." "$HUBROOT/org/model/v2/"
fakehub_start
MAIN=$(hub_commit org/model main)
V2=$(hub_commit org/model v2)
R="$CACHE/models--org--model"
BLOB=$(sha256_of "$HUBROOT/org/model/main/model.safetensors")
SIZE_ALL=$((22 + 1500000 + 5000 + 6))

# sent: the body bytes the fake Hub sent since the last reset_sent. It
# logs a body once it has ended, which may be just after mlxk exits: wait
# until every GET that got a body (logged when it began) has its line,
# also before forgetting an earlier pull's.
reset_sent() {
	sent >/dev/null &&
	: >"$HUBLOG.ranges" &&
	hub_log_reset
}
sent() {
	python3 -c '
import json, sys, time
import os
def lines(f):
    return [json.loads(l) for l in open(f)] if os.path.exists(f) else []
for _ in range(400):
    began = [e for e in lines(sys.argv[1]) if e["m"] == "GET" and e["s"] in (200, 206)
             and ("/resolve/" in e["p"] or e["host"] == "127.0.0.2")]
    ended = lines(sys.argv[1] + ".ranges")
    if len(ended) > len(began):
        sys.exit("%d bodies ended, %d began" % (len(ended), len(began)))
    if len(ended) == len(began):
        print(sum(e["end"] - e["start"] for e in ended))
        sys.exit(0)
    time.sleep(0.05)
sys.exit("the fake Hub never logged the end of every body")
' "$HUBLOG"
}

test_expect_success 'a fresh pull: every file downloaded, the snapshot path named' '
	reset_sent &&
	mlxk pull org/model >out 2>err &&
	real=$(cd "$CACHE" && pwd -P) &&
	echo "pull: org/model - Downloaded 4 files (1.5MB) -> $real/models--org--model/snapshots/$MAIN" >expect &&
	test_cmp expect out &&
	test "$(sent)" = $SIZE_ALL
'

test_expect_success 'a fresh pull --json: counts and snapshot_path are added keys' '
	rm -rf "$CACHE" && reset_sent &&
	mlxk --json pull org/model >out &&
	real=$(cd "$CACHE" && pwd -P) &&
	json_check out "d[\"data\"][\"download_status\"] == \"success\"" &&
	json_check out "d[\"data\"][\"snapshot_path\"] == \"$real/models--org--model/snapshots/$MAIN\"" &&
	json_check out "d[\"data\"][\"files_downloaded\"] == 4 and d[\"data\"][\"files_present\"] == 0" &&
	json_check out "d[\"data\"][\"files_resumed\"] == 0 and d[\"data\"][\"bytes_resumed\"] == 0" &&
	json_check out "d[\"data\"][\"bytes_downloaded\"] == $(sent) == $SIZE_ALL" &&
	json_check out "d[\"data\"][\"message\"] == \"Downloaded 4 files (1.5MB)\"" &&
	json_check out "d[\"data\"][\"commit_hash\"] == \"$MAIN\" and d[\"data\"][\"expanded_name\"] is None" &&
	json_check out "d[\"data\"][\"model\"] == \"org/model\""
'

test_expect_success 'a resumed pull counts the bytes received apart from those reused' '
	rm -rf "$CACHE" && mkdir -p "$R/blobs" &&
	head -c 600000 "$HUBROOT/org/model/main/model.safetensors" >"$R/blobs/$BLOB.incomplete" &&
	reset_sent &&
	mlxk --json pull --force-resume org/model >out &&
	test "$(sent)" = $((SIZE_ALL - 600000)) &&
	json_check out "d[\"data\"][\"files_downloaded\"] == 4 and d[\"data\"][\"files_present\"] == 0" &&
	json_check out "d[\"data\"][\"files_resumed\"] == 1 and d[\"data\"][\"bytes_resumed\"] == 600000" &&
	json_check out "d[\"data\"][\"bytes_downloaded\"] == $(sent)" &&
	json_check out "d[\"data\"][\"message\"] == \"Downloaded 4 files (905.0KB fetched, 600.0KB resumed from 1 partial file)\""
'

test_expect_success 'files already in the cache are counted apart' '
	rm -rf "$CACHE" &&
	mlxk pull -q --include "*.json" --include "*.md" org/model &&
	reset_sent &&
	mlxk pull org/model >out 2>err &&
	test "$(sent)" = $((1500000 + 5000)) &&
	real=$(cd "$CACHE" && pwd -P) &&
	echo "pull: org/model - Downloaded 2 files (1.5MB), 2 already present -> $real/models--org--model/snapshots/$MAIN" >expect &&
	test_cmp expect out
'

test_expect_success 'every blob present, only links made: 0 downloaded' '
	reset_sent &&
	mlxk --json pull org/model@v2 >out &&
	test "$(sent)" = 0 &&
	real=$(cd "$CACHE" && pwd -P) &&
	json_check out "d[\"data\"][\"download_status\"] == \"success\"" &&
	json_check out "d[\"data\"][\"message\"] == \"Downloaded 0 files, 4 already present\"" &&
	json_check out "d[\"data\"][\"files_downloaded\"] == 0 and d[\"data\"][\"files_present\"] == 4" &&
	json_check out "d[\"data\"][\"bytes_downloaded\"] == 0" &&
	json_check out "d[\"data\"][\"snapshot_path\"] == \"$real/models--org--model/snapshots/$V2\"" &&
	test_path_is_file "$R/snapshots/$V2/model.safetensors"
'

test_expect_success 'already in the cache: MLX-Knife message, path and counts added' '
	reset_sent &&
	mlxk pull org/model >out 2>err &&
	real=$(cd "$CACHE" && pwd -P) &&
	echo "pull: org/model - Model org/model already exists in cache -> $real/models--org--model/snapshots/$MAIN" >expect &&
	test_cmp expect out &&
	mlxk --json pull org/model >out &&
	test "$(sent)" = 0 &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	json_check out "d[\"data\"][\"message\"] == \"Model org/model already exists in cache\"" &&
	json_check out "d[\"data\"][\"files_present\"] == 4 and d[\"data\"][\"files_downloaded\"] == 0" &&
	json_check out "d[\"data\"][\"snapshot_path\"] == \"$real/models--org--model/snapshots/$MAIN\""
'

test_expect_success 'offline, complete in the cache: the snapshot path too' '
	HF_HUB_OFFLINE=1 mlxk --json pull org/model >out &&
	real=$(cd "$CACHE" && pwd -P) &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	json_check out "d[\"data\"][\"snapshot_path\"] == \"$real/models--org--model/snapshots/$MAIN\"" &&
	json_check out "d[\"data\"][\"files_present\"] == 4"
'

test_expect_success 'a relative --cache-dir still gives an absolute path' '
	mkdir -p rel &&
	(cd rel && "$MLXK_BIN" --cache-dir ./c pull -q org/model && "$MLXK_BIN" --cache-dir ./c pull org/model) >out &&
	real=$(cd rel/c && pwd -P) &&
	test_grep " -> $real/models--org--model/snapshots/$MAIN\$" out
'

test_expect_success 'an error names no snapshot and adds no counts' '
	test_must_fail mlxk --json pull org/nothing >out &&
	json_check out "\"snapshot_path\" not in d[\"data\"] and \"files_downloaded\" not in d[\"data\"]"
'

test_done
