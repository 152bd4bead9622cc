#!/bin/bash
# mlxk pull of files many times larger than a transfer's ring of buffers:
# every byte arrives in order and verified, alone and side by side, and
# faults deep inside a file are caught or resumed at the right byte.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

MiB=1048576
printf '{"model_type":"llama"}' | hub_file org/big main config.json
head -c $((24 * MiB + 12345)) /dev/urandom | hub_file org/big main model.safetensors
for i in 1 2 3 4; do
	head -c $((6 * MiB + i)) /dev/urandom |
		hub_file org/shards main "model-0000$i-of-00004.safetensors"
done
printf '{"model_type":"llama"}' | hub_file org/shards main config.json
fakehub_start
BIG="$CACHE/models--org--big"
BIG_MAIN=$(hub_commit org/big main)
BLOB=$(sha256_of "$HUBROOT/org/big/main/model.safetensors")
SHARDS="$CACHE/models--org--shards"
SHARDS_MAIN=$(hub_commit org/shards main)

# same_as_hub DIR COMMIT ORG/NAME: every file of the snapshot is the Hub's.
same_as_hub() {
	local f
	for f in "$HUBROOT/$3/main/"*; do
		cmp "$f" "$1/snapshots/$2/$(basename "$f")" || return 1
	done
	blobs_are_hashes "$1"
}

test_expect_success 'a 24 MiB file arrives whole through one transfer' '
	rm -rf "$CACHE" && hub_log_reset && knobs "{}" &&
	mlxk pull -q -j 1 org/big &&
	same_as_hub "$BIG" "$BIG_MAIN" org/big &&
	! ls "$BIG/blobs" | grep incomplete
'

test_expect_success 'four large files side by side each arrive whole' '
	rm -rf "$CACHE" && hub_log_reset && knobs "{}" &&
	mlxk pull -q -j 4 org/shards &&
	test "$(cat "$HUBLOG.peak")" -ge 2 &&
	same_as_hub "$SHARDS" "$SHARDS_MAIN" org/shards
'

test_expect_success 'a connection dropped deep in the file resumes at the exact byte' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"drop_after\": $((13 * MiB + 777))}" &&
	mlxk pull -q org/big &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 2 cdn &&
	test_grep "\"range\": \"bytes=$((13 * MiB + 777))-\"" cdn &&
	same_as_hub "$BIG" "$BIG_MAIN" org/big
'

test_expect_success 'one flipped byte deep in the file is caught and nothing reaches blobs/' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"flip_at\": $((20 * MiB + 3))}" &&
	test_expect_code 1 mlxk pull org/big 2>err &&
	test_grep "model.safetensors. does not match its hash (expected $BLOB" err &&
	test_path_is_missing "$BIG/blobs/$BLOB" &&
	test_path_is_missing "$BIG/blobs/$BLOB.incomplete"
'

test_expect_success 'a flipped byte in four parallel files is caught in each' '
	rm -rf "$CACHE" && hub_log_reset &&
	knobs "{\"flip_at\": $((5 * MiB))}" &&
	test_expect_code 1 mlxk pull -j 4 org/shards 2>err &&
	for i in 1 2 3 4; do
		test_grep "model-0000$i-of-00004.safetensors. does not match its hash" err ||
		return 1
	done &&
	ls "$SHARDS/blobs" >blobs &&
	test_line_count = 1 blobs &&
	grep -q "^[0-9a-f]\{40\}$" blobs &&
	! ls "$SHARDS/blobs" | grep incomplete &&
	knobs "{}" &&
	mlxk pull -q -j 4 org/shards &&
	same_as_hub "$SHARDS" "$SHARDS_MAIN" org/shards
'

test_expect_success 'kill -9 in the middle: the next pull fetches only the missing bytes' '
	rm -rf "$CACHE" "$HUBLOG.pos" && hub_log_reset &&
	knobs "{\"slow\": $((16 * MiB))}" &&
	{ "$MLXK_BIN" pull -q org/big & } &&
	pid=$! &&
	# Killed once more than 4 MiB are on disk (what is checked below),
	# not once the server has sent 6: a slow client (a sanitizer build
	# on a busy machine) lags behind the server.
	for i in $(seq 400); do
		test "$(wc -c 2>/dev/null <"$BIG/blobs/$BLOB.incomplete" || echo 0)" -gt $((4 * MiB)) && break
		sleep 0.05
	done &&
	kill -9 $pid && { wait $pid; true; } &&
	size=$(wc -c <"$BIG/blobs/$BLOB.incomplete") &&
	test "$size" -gt $((4 * MiB)) && test "$size" -lt $((24 * MiB)) &&
	knobs "{}" && hub_log_reset &&
	mlxk pull -q --force-resume org/big &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 1 cdn &&
	test_grep "\"range\": \"bytes=$size-\"" cdn &&
	same_as_hub "$BIG" "$BIG_MAIN" org/big
'

test_done
