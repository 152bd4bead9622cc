#!/bin/bash
# mlxk pull: a file above --split-above is fetched as several ranges at
# once over the -j connections, written in place and hashed on the way
# in; bad ranges and servers that cannot do ranges are survived without
# mixing bytes.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

MiB=1048576
SIZE=$((6 * MiB + 12345))
printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c $SIZE /dev/urandom | hub_file org/model main model.safetensors
for i in 1 2 3; do
	head -c $((MiB + i)) /dev/urandom | hub_file org/multi main "shard-$i.safetensors"
done
head -c $SIZE /dev/urandom | hub_file org/multi main big.safetensors
printf '{"model_type":"llama"}' | hub_file org/multi main config.json
fakehub_start
MAIN=$(hub_commit org/model main)
R="$CACHE/models--org--model"
BIG=$(sha256_of "$HUBROOT/org/model/main/model.safetensors")
RANGES="$HUBLOG.ranges"

fresh() {
	rm -rf "$CACHE" && hub_log_reset && : >"$RANGES" && rm -f "$HUBLOG.peak"
}

# served 'python boolean over s' -- s is the list of bodies the fake Hub
# sent for the blob SHA (default the big file): dicts with start, end (file
# offsets, end exclusive), s (status), asked (Range header) and conn.
served() {
	python3 - "$RANGES" "${2:-$BIG}" "$1" "$SIZE" <<'PY'
import json, sys
s = [e for e in map(json.loads, open(sys.argv[1])) if sys.argv[2] in e["p"]]
size = int(sys.argv[4])
def covered(lst):
    at = 0
    for a, b in sorted((e["start"], e["end"]) for e in lst):
        if a > at:
            return at
        at = max(at, b)
    return at
ok = eval(sys.argv[3], {"s": s, "size": size, "covered": covered, "len": len,
                        "set": set, "sum": sum, "any": any, "all": all})
if not ok:
    print("served check failed: %s" % sys.argv[3], file=sys.stderr)
    for e in s:
        print(json.dumps(e), file=sys.stderr)
    sys.exit(1)
PY
}

model_ok() {
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors" &&
	blobs_are_hashes "$R" &&
	test_path_is_missing "$R/blobs/$BIG.incomplete" &&
	test_path_is_missing "$R/blobs/$BIG.incomplete.ranges"
}

test_expect_success 'a large file comes as several ranges at once' '
	fresh && knobs "{\"rate\": 2000000}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	model_ok &&
	served "len(set(e[\"conn\"] for e in s)) >= 3" &&
	served "all(e[\"s\"] == 206 for e in s)" &&
	served "covered(s) == size" &&
	test "$(cat "$HUBLOG.peak")" -ge 3
'

test_expect_success 'on a link that does not cap connections, more of them are given back' '
	fresh && knobs "{\"total_rate\": 2000000}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	model_ok &&
	served "all(e[\"s\"] == 206 for e in s) and covered(s) == size" &&
	test "$(cat "$HUBLOG.peak")" -le 2 &&
	served "len(set(e[\"conn\"] for e in s if e[\"start\"] >= size // 2)) == 1"
'

test_expect_success 'MLXK_SPLIT_ABOVE sets the threshold; files below it take one connection' '
	fresh && knobs "{\"rate\": 4000000}" &&
	MLXK_SPLIT_ABOVE=2M mlxk pull -q -j 4 org/model &&
	model_ok &&
	served "len(s) >= 3" &&
	fresh &&
	MLXK_SPLIT_ABOVE=2M mlxk pull -q -j 4 --split-above 0 org/model &&
	model_ok &&
	served "len(s) == 1 and s[0][\"asked\"] is None" &&
	fresh &&
	mlxk pull -q -j 4 org/model &&
	served "len(s) == 1 and s[0][\"asked\"] is None"
'

test_expect_success 'a bad --split-above is a usage error' '
	test_expect_code 2 mlxk pull --split-above 12Q org/model 2>err &&
	test_grep "split-above" err &&
	MLXK_SPLIT_ABOVE=lots test_expect_code 2 mlxk pull org/model 2>err &&
	test_grep "MLXK_SPLIT_ABOVE" err
'

test_expect_success 'ranges share the -j connections with the other files' '
	fresh && knobs "{\"rate\": 2000000}" &&
	mlxk pull -q -j 3 --split-above 2M org/multi &&
	M="$CACHE/models--org--multi" &&
	blobs_are_hashes "$M" &&
	for f in big shard-1 shard-2 shard-3; do
		cmp "$HUBROOT/org/multi/main/$f.safetensors" "$M/snapshots/$(hub_commit org/multi main)/$f.safetensors" || return 1
	done &&
	test "$(cat "$HUBLOG.peak")" -le 3 &&
	served "len(set(e[\"conn\"] for e in s)) >= 2 and covered(s) == size" \
		"$(sha256_of "$HUBROOT/org/multi/main/big.safetensors")"
'

test_expect_success 'a dropped range is retried from where it stopped' '
	fresh &&
	knobs "{\"rate\": 3000000, \"range_faults\": [{\"kind\": \"drop\", \"at\": $((4 * MiB + 5)), \"after\": 100000}]}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	model_ok &&
	served "any(e[\"end\"] - e[\"start\"] == 100000 and e[\"start\"] <= $((4 * MiB + 5)) and
		any(f[\"start\"] == e[\"end\"] and f[\"s\"] == 206 for f in s) for e in s)"
'

test_expect_success 'a server that ignores Range: one connection, one version' '
	fresh && knobs "{\"no_ranges\": true}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	model_ok &&
	served "any(e[\"asked\"] is not None and e[\"s\"] == 200 for e in s)" &&
	served "any(e[\"asked\"] is None and e[\"start\"] == 0 and e[\"end\"] == size for e in s)"
'

test_expect_success 'a wrong Content-Range: one connection' '
	fresh &&
	knobs "{\"range_faults\": [{\"kind\": \"shift\", \"by\": 1, \"times\": 1000}]}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	model_ok &&
	served "any(e[\"asked\"] and e[\"start\"] == int(e[\"asked\"][6:].split(\"-\")[0]) + 1 for e in s)" &&
	served "any(e[\"asked\"] is None and e[\"start\"] == 0 and e[\"end\"] == size for e in s)"
'

test_expect_success 'the ETag changes between ranges: no bytes of two versions' '
	fresh &&
	knobs "{\"rate\": 3000000, \"range_faults\": [{\"kind\": \"etag\", \"at\": $((5 * MiB))}]}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	model_ok &&
	served "any(e[\"asked\"] is None and e[\"start\"] == 0 and e[\"end\"] == size for e in s)"
'

test_expect_success 'a flipped byte in one range is rejected and the file refetched' '
	fresh &&
	knobs "{\"rate\": 3000000, \"range_faults\": [{\"kind\": \"flip\", \"at\": 7}]}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	model_ok &&
	served "len([e for e in s if e[\"start\"] <= 7 < e[\"end\"]]) >= 2"
'

test_expect_success 'a byte flipped every time never reaches blobs/' '
	fresh &&
	knobs "{\"range_faults\": [{\"kind\": \"flip\", \"at\": $((2 * MiB)), \"times\": 1000}]}" &&
	test_expect_code 1 mlxk pull -q -j 4 --split-above 2M org/model 2>err &&
	test_grep "does not match its hash" err &&
	test_path_is_missing "$R/blobs/$BIG" &&
	test_path_is_missing "$R/blobs/$BIG.incomplete" &&
	test_path_is_missing "$R/blobs/$BIG.incomplete.ranges"
'

test_done
