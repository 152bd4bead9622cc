#!/bin/bash
# mlxk pull: Ctrl-C and kill -9 leave resumable state; the next pull
# fetches only the missing bytes; the resume prompt's non-interactive
# forms; blob locks shared with other processes.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 1500000 /dev/urandom | hub_file org/model main model.safetensors
fakehub_start
MAIN=$(hub_commit org/model main)
R="$CACHE/models--org--model"
BLOB=$(sha256_of "$HUBROOT/org/model/main/model.safetensors")
LOCK="$CACHE/.locks/models--org--model/$BLOB.lock"

# wait_for_partial [BYTES]: until at least BYTES (default 1) of the big
# file are on disk.
wait_for_partial() {
	local i size
	for i in $(seq 400); do
		size=$(wc -c <"$R/blobs/$BLOB.incomplete" 2>/dev/null) &&
		test "$size" -ge "${1:-1}" && return 0
		sleep 0.05
	done
	echo "error: never $1 bytes in $R/blobs/$BLOB.incomplete" >&2
	return 1
}

# wait_for_hub_idle: until the fake Hub has stopped sending bodies (after
# a kill -9 it notices the closed connection on its next write).
wait_for_hub_idle() {
	local i
	for i in $(seq 400); do
		test "$(cat "$HUBLOG.active" 2>/dev/null)" = 0 && return 0
		sleep 0.05
	done
	echo "error: the fake Hub is still sending" >&2
	return 1
}

test_expect_success 'SIGINT with --json: error type interrupted, exit 130' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"slow\": 500000}" &&
	{ "$MLXK_BIN" --json pull org/model >out 2>err & } &&
	pid=$! &&
	wait_for_partial &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"interrupted\""
'

test_expect_success 'SIGINT stops cleanly: exit 130, partial kept, lock released' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"slow\": 500000}" &&
	{ "$MLXK_BIN" pull org/model >out 2>err & } &&
	pid=$! &&
	wait_for_partial 100000 &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	test_grep "interrupted" err &&
	test_path_is_file "$R/blobs/$BLOB.incomplete" &&
	size=$(wc -c <"$R/blobs/$BLOB.incomplete") &&
	test "$size" -gt 0 && test "$size" -lt 1500000 &&
	echo "$size" >partial-size &&
	test_path_is_missing "$R/blobs/$BLOB" &&
	flock -n "$LOCK" true
'

test_expect_success 'without --force-resume a partial download needs confirmation' '
	knobs "{}" &&
	test_expect_code 1 mlxk pull org/model 2>err </dev/null &&
	test_grep "Incomplete download" err &&
	test_grep "^hint: run .mlxk pull --force-resume org/model." err &&
	hub_log_reset &&
	mlxk --json pull org/model >out &&
	json_check out "d[\"status\"] == \"success\" and d[\"error\"] is None" &&
	json_check out "d[\"data\"][\"download_status\"] == \"requires_confirmation\"" &&
	json_check out "d[\"data\"][\"commit_hash\"] == \"$MAIN\"" &&
	json_check out "\"--force-resume\" in d[\"data\"][\"message\"]" &&
	! hub_log "\"/resolve/\" in e[\"p\"]" | grep . &&
	test "$(wc -c <"$R/blobs/$BLOB.incomplete")" = "$(cat partial-size)"
'

test_expect_success '--force-resume continues with Range from the partial size' '
	hub_log_reset &&
	size=$(cat partial-size) &&
	mlxk pull --force-resume org/model >out 2>err &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 1 cdn &&
	test_grep "\"range\": \"bytes=$size-\"" cdn &&
	test_grep "^resumed model.safetensors" err &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors" &&
	blobs_are_hashes "$R" &&
	test_path_is_missing "$R/blobs/$BLOB.incomplete"
'

test_expect_success 'after kill -9 a new pull fetches only the missing bytes' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"slow\": 600000}" &&
	{ "$MLXK_BIN" pull -q org/model & } &&
	pid=$! &&
	wait_for_partial &&
	kill -9 $pid && { wait $pid; true; } &&
	size=$(wc -c <"$R/blobs/$BLOB.incomplete") &&
	test "$size" -gt 0 &&
	knobs "{}" && hub_log_reset &&
	mlxk pull -q --force-resume org/model &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 1 cdn &&
	test_grep "\"range\": \"bytes=$size-\"" cdn &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'kill -9 loses little of what had arrived' '
	rm -rf "$CACHE" "$HUBLOG.pos" &&
	knobs "{\"slow\": 200000}" &&
	{ "$MLXK_BIN" pull -q -j 1 org/model & } &&
	pid=$! &&
	wait_for_partial 100000 &&
	kill -9 $pid && { wait $pid; true; } &&
	wait_for_hub_idle &&
	sent=$(cat "$HUBLOG.pos") &&
	size=$(wc -c <"$R/blobs/$BLOB.incomplete") &&
	echo "served up to byte $sent, $size on disk" &&
	test "$size" -le "$sent" &&
	test $((sent - size)) -le 65536 &&
	knobs "{}" &&
	mlxk pull -q --force-resume org/model &&
	blobs_are_hashes "$R"
'

test_expect_success 'a bad partial file is caught by the hash and fetched again whole' '
	rm -rf "$CACHE" && mkdir -p "$R/blobs" && hub_log_reset &&
	head -c 1000 /dev/zero >"$R/blobs/$BLOB.incomplete" &&
	mlxk pull --force-resume org/model 2>err &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 2 cdn &&
	test_grep "\"range\": \"bytes=1000-\"" cdn &&
	test_grep "\"range\": null" cdn &&
	test_grep "^fetched model.safetensors" err &&
	test_path_is_missing "$R/blobs/$BLOB.incomplete" &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'a server whose bytes are wrong still fails after the second try' '
	rm -rf "$CACHE" && mkdir -p "$R/blobs" &&
	head -c 1000 /dev/zero >"$R/blobs/$BLOB.incomplete" &&
	knobs "{\"flip_byte\": true}" &&
	test_expect_code 1 mlxk pull --force-resume org/model 2>err &&
	knobs "{}" &&
	test_grep "model.safetensors. does not match its hash" err &&
	test_path_is_missing "$R/blobs/$BLOB.incomplete" &&
	test_path_is_missing "$R/blobs/$BLOB"
'

# start_waiting_pull: a background pull ($pid) that is polling the big
# file's lock, held by $HOLDER.
start_waiting_pull() {
	rm -rf "$CACHE" &&
	mkdir -p "$(dirname "$LOCK")" &&
	touch "$LOCK" &&
	hold_flock "$LOCK" &&
	test_when_finished "kill_tree $HOLDER" &&
	await_opens "$LOCK" 2 &&
	{ "$MLXK_BIN" pull -q "$@" org/model 2>err & } &&
	pid=$! &&
	wait $AWAITER
}

test_expect_success 'pull waits for a blob lock held by flock(1)' '
	start_waiting_pull &&
	kill -0 $pid &&
	test_path_is_missing "$R/blobs/$BLOB" &&
	kill_tree $HOLDER &&
	wait $pid &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success_if 'test -x /usr/bin/python3 && /usr/bin/python3 -c "import filelock"' \
	'pull waits for a blob lock held by python filelock' '
	rm -rf "$CACHE" held release &&
	mkdir -p "$(dirname "$LOCK")" &&
	touch "$LOCK" &&
	{ /usr/bin/python3 -c "
import filelock, os, time, sys
with filelock.FileLock(sys.argv[1]):
    open(\"held\", \"w\").close()
    while not os.path.exists(\"release\"):
        time.sleep(0.02)
" "$LOCK" & } &&
	py=$! &&
	test_when_finished "touch release; wait $py" &&
	test_wait_for_file held &&
	await_opens "$LOCK" 2 &&
	{ "$MLXK_BIN" pull -q org/model & } &&
	pid=$! &&
	wait $AWAITER &&
	kill -0 $pid &&
	test_path_is_missing "$R/blobs/$BLOB" &&
	touch release &&
	wait $py &&
	wait $pid &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'SIGINT while waiting for a lock exits 130' '
	start_waiting_pull &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	test_grep "interrupted" err &&
	test_path_is_missing "$R/blobs/$BLOB" &&
	test_path_is_missing "$R/blobs/$BLOB.incomplete"
'

test_expect_success 'kill -9 while waiting for a lock: the next pull completes' '
	start_waiting_pull &&
	kill -9 $pid && { wait $pid; true; } &&
	test_path_is_missing "$R/blobs/$BLOB.incomplete" &&
	kill_tree $HOLDER &&
	hub_log_reset &&
	mlxk --json pull org/model >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"success\"" &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'killed between rename and link: the blob is linked, not fetched' '
	rm "$R/snapshots/$MAIN/model.safetensors" &&
	hub_log_reset &&
	mlxk pull org/model 2>err &&
	test_grep "^cached model.safetensors" err &&
	! hub_log "e[\"host\"] == \"127.0.0.2\"" | grep . &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'a lockless writer truncating our partial file is waited for and verified' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"slow\": 500000}" &&
	{ "$MLXK_BIN" pull org/model >out 2>err & } &&
	pid=$! &&
	INC="$R/blobs/$BLOB.incomplete" &&
	wait_for_partial &&
	python3 -c "
import os, sys, time
src, inc, blob = sys.argv[1:]
data = open(src, \"rb\").read()
with open(inc, \"wb\") as f:          # what a client without locks does
    for i in range(0, len(data), 100000):
        f.write(data[i:i + 100000]); f.flush(); time.sleep(0.08)
os.rename(inc, blob)
" "$HUBROOT/org/model/main/model.safetensors" "$INC" "$R/blobs/$BLOB" &&
	wait $pid &&
	knobs "{}" &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors" &&
	test_path_is_missing "$INC"
'

test_expect_success 'two pulls at once end in one verified cache' '
	rm -rf "$CACHE" &&
	knobs "{\"slow\": 3000000}" &&
	{ "$MLXK_BIN" pull -q org/model & } && a=$! &&
	{ "$MLXK_BIN" pull -q org/model & } && b=$! &&
	wait $a && wait $b &&
	knobs "{}" &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors" &&
	! ls "$R/blobs" | grep incomplete
'

test_done
