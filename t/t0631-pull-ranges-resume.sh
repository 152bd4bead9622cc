#!/bin/bash
# mlxk pull in ranges: kill -9 and Ctrl-C with several ranges in flight
# leave the finished ranges recorded beside the partial file; the next
# pull fetches only the missing ranges; clients that resume by size are
# never misled; the npm client reads and completes what mlxk left.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

MiB=1048576
SIZE=$((6 * MiB + 4321))
printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c $SIZE /dev/urandom | hub_file org/model main model.safetensors
fakehub_start
MAIN=$(hub_commit org/model main)
R="$CACHE/models--org--model"
SRC="$HUBROOT/org/model/main/model.safetensors"
BIG=$(sha256_of "$SRC")
INC="$R/blobs/$BIG.incomplete"
REC="$R/blobs/$BIG.incomplete.ranges"
RANGES="$HUBLOG.ranges"
INTEROP="$TEST_DIRECTORY/interop"

fresh() {
	rm -rf "$CACHE" && hub_log_reset && : >"$RANGES"
}

# log_reset: forget what was served, once the bodies a killed client left
# behind have ended (the fake Hub logs a body when it ends).
log_reset() {
	sleep 0.5 && hub_log_reset && : >"$RANGES"
}

# wait_for_ranges N: until the record lists N ranges, one not at byte 0.
wait_for_ranges() {
	for i in $(seq 300); do
		if test -f "$REC" &&
		   test "$(sed 1d "$REC" | wc -l)" -ge "$1" &&
		   sed 1d "$REC" | grep -qv "^0 "; then
			return 0
		fi
		sleep 0.05
	done
	echo "no record with $1 ranges" >&2
	cat "$REC" >&2
	return 1
}

# record_matches: every recorded range holds the source's bytes.
record_matches() {
	python3 - "$REC" "$INC" "$SRC" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
head, ranges = lines[0], [tuple(map(int, l.split())) for l in lines[1:]]
src, inc = open(sys.argv[3], "rb").read(), open(sys.argv[2], "rb").read()
assert head == "mlxk-ranges 1 %d" % len(src), head
for a, b in ranges:
    assert inc[a:b] == src[a:b], (a, b)
PY
}

# only_missing_served: since the log was reset, the fake Hub sent no byte
# of a recorded range, and sent every byte of the others.
only_missing_served() {
	python3 - "$1" "$RANGES" "$BIG" "$SIZE" <<'PY'
import json, sys
ranges = [tuple(map(int, l.split())) for l in open(sys.argv[1]).read().splitlines()[1:]]
size = int(sys.argv[4])
bodies = [e for e in map(json.loads, open(sys.argv[2])) if sys.argv[3] in e["p"]]
assert bodies, "nothing served"
for e in bodies:
    for a, b in ranges:
        assert e["end"] <= a or e["start"] >= b, ("refetched", e, (a, b))
missing, at = [], 0
for a, b in ranges:
    if a > at:
        missing.append((at, a))
    at = b
if at < size:
    missing.append((at, size))
for a, b in missing:
    got = sorted((e["start"], e["end"]) for e in bodies if e["start"] < b and e["end"] > a)
    pos = a
    for s, t in got:
        assert s <= pos, ("gap", pos, got)
        pos = max(pos, t)
    assert pos >= b, ("short", a, b, got)
PY
}

test_expect_success 'kill -9 with several ranges in flight leaves a record' '
	fresh && knobs "{\"rate\": 400000}" &&
	{ "$MLXK_BIN" pull -q -j 4 --split-above 2M org/model >out 2>err & } &&
	pid=$! &&
	wait_for_ranges 2 &&
	sleep 0.3 &&
	kill -9 $pid && { wait $pid; true; } &&
	test "$(wc -c <"$INC")" = $((SIZE + 1)) &&
	record_matches &&
	cp "$REC" record-at-kill
'

test_expect_success 'a client resuming by size gets 416, never a file with a hole' '
	size=$(wc -c <"$INC") &&
	sha=$BIG &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -r "$size-" \
		"http://127.0.0.2:$HUBPORT/cdn/$sha") &&
	test "$code" = 416
'

test_expect_success 'the next pull fetches only the missing ranges, and counts them' '
	log_reset && knobs "{}" &&
	mlxk --json pull --force-resume -j 4 --split-above 2M org/model >pull.json &&
	cmp "$SRC" "$R/snapshots/$MAIN/model.safetensors" &&
	blobs_are_hashes "$R" &&
	test_path_is_missing "$INC" && test_path_is_missing "$REC" &&
	only_missing_served record-at-kill &&
	had=$(awk "NR > 1 { n += \$2 - \$1 } END { print n + 0 }" record-at-kill) &&
	test "$had" -gt 0 &&
	json_check pull.json "d[\"data\"][\"files_resumed\"] == 1" &&
	json_check pull.json "d[\"data\"][\"bytes_resumed\"] == $had" &&
	# config.json (22 bytes) may or may not have landed before the kill.
	json_check pull.json "d[\"data\"][\"bytes_downloaded\"] - ($SIZE - $had) in (0, 22)"
'

test_expect_success 'with -j 1 the record is still used' '
	fresh && knobs "{\"rate\": 400000}" &&
	{ "$MLXK_BIN" pull -q -j 4 --split-above 2M org/model >out 2>err & } &&
	pid=$! &&
	wait_for_ranges 2 &&
	kill -9 $pid && { wait $pid; true; } &&
	cp "$REC" record-at-kill &&
	log_reset && knobs "{}" &&
	mlxk pull -q --force-resume -j 1 org/model &&
	cmp "$SRC" "$R/snapshots/$MAIN/model.safetensors" &&
	only_missing_served record-at-kill
'

test_expect_success 'Ctrl-C: exit 130, record kept, lock released, resume fetches the rest' '
	fresh && knobs "{\"rate\": 400000}" &&
	{ "$MLXK_BIN" pull -j 4 --split-above 2M org/model >out 2>err & } &&
	pid=$! &&
	wait_for_ranges 2 &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	test "$(wc -c <"$INC")" = $((SIZE + 1)) &&
	record_matches &&
	flock -n "$CACHE/.locks/models--org--model/$BIG.lock" true &&
	cp "$REC" record-at-stop &&
	log_reset && knobs "{}" &&
	mlxk pull -q --force-resume -j 4 --split-above 2M org/model &&
	cmp "$SRC" "$R/snapshots/$MAIN/model.safetensors" &&
	only_missing_served record-at-stop
'

test_expect_success 'a record without its placeholder size is not believed' '
	fresh && knobs "{\"rate\": 400000}" &&
	{ "$MLXK_BIN" pull -q -j 4 --split-above 2M org/model >out 2>err & } &&
	pid=$! &&
	wait_for_ranges 2 &&
	kill -9 $pid && { wait $pid; true; } &&
	: >"$INC" &&
	log_reset && knobs "{}" &&
	mlxk pull -q --force-resume -j 4 --split-above 2M org/model &&
	cmp "$SRC" "$R/snapshots/$MAIN/model.safetensors" &&
	test_path_is_missing "$REC"
'

if command -v node >/dev/null && test -d "$INTEROP/node_modules/@huggingface/hub"; then
	HAVE_NODE=1
else
	HAVE_NODE=
fi

test_expect_success_if 'test -n "$HAVE_NODE"' 'the npm client completes what a killed ranged pull left; prune takes the record' '
	fresh && knobs "{\"rate\": 400000}" &&
	{ "$MLXK_BIN" pull -q -j 4 --split-above 2M org/model >out 2>err & } &&
	pid=$! &&
	wait_for_ranges 2 &&
	kill -9 $pid && { wait $pid; true; } &&
	knobs "{}" &&
	(cd "$INTEROP" && node snapshot.mjs "$HF_ENDPOINT" org/model main "$CACHE") >js.out &&
	cmp "$SRC" "$R/snapshots/$MAIN/model.safetensors" &&
	test_path_is_file "$REC" &&
	touch -d "2 hours ago" "$REC" &&
	mlxk prune --force >prune.out &&
	test_grep "removed models--org--model/blobs/$BIG.incomplete.ranges" prune.out &&
	test_path_is_missing "$REC" &&
	blobs_are_hashes "$R" &&
	mlxk --json pull org/model >pull.json &&
	json_check pull.json "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	mlxk health --json org/model >health.json &&
	json_check health.json "d[\"data\"][\"summary\"][\"healthy_count\"] == 1"
'

test_expect_success_if 'test -n "$HAVE_NODE"' 'the npm client reads a cache mlxk filled in ranges' '
	fresh && knobs "{\"rate\": 4000000}" &&
	mlxk pull -q -j 4 --split-above 2M org/model &&
	(cd "$INTEROP" && node scan.mjs "$CACHE") >scan.json &&
	json_check scan.json "len(d[\"repos\"]) == 1" &&
	json_check scan.json "d[\"repos\"][0][\"size\"] == $SIZE + 22"
'

test_done
