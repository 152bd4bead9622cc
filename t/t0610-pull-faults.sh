#!/bin/bash
# mlxk pull against a faulty Hub: retries, Retry-After, dropped
# connections, lying sizes, corrupt content, redirect loops.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 200000 /dev/urandom | hub_file org/model main model.safetensors
fakehub_start
MAIN=$(hub_commit org/model main)
R="$CACHE/models--org--model"
BLOB=$(sha256_of "$HUBROOT/org/model/main/model.safetensors")

fresh() {
	rm -rf "$CACHE" && hub_log_reset
}

test_expect_success '5xx from the API is retried' '
	fresh && knobs "{\"api_5xx\": 2}" &&
	mlxk pull -q org/model &&
	hub_log "e[\"s\"] == 500" >fails && test_line_count = 2 fails &&
	blobs_are_hashes "$R"
'

test_expect_success '503 on downloads is retried with backoff (MLXK_RETRY_BASE_MS)' '
	fresh && knobs "{\"dl_5xx\": 2}" &&
	start=$(date +%s%N) &&
	MLXK_RETRY_BASE_MS=300 mlxk pull -q -j 1 org/model &&
	ms=$((($(date +%s%N) - start) / 1000000)) &&
	say "two retries with a 300 ms base: $ms ms" >&3 &&
	test $ms -ge 900 &&
	hub_log "e[\"s\"] == 503" >fails && test_line_count = 2 fails &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success '429 honours Retry-After' '
	fresh && knobs "{\"dl_429\": 1, \"retry_after\": 2}" &&
	start=$(date +%s.%N) &&
	mlxk pull -q -j 1 org/model &&
	end=$(date +%s.%N) &&
	python3 -c "import sys; sys.exit(0 if $end - $start >= 1.9 else 1)" &&
	hub_log "e[\"s\"] == 429" >fails && test_line_count = 1 fails
'

test_expect_success 'a persistent 5xx gives up with a clear error' '
	fresh && knobs "{\"dl_5xx\": 1000}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "HTTP 503" err &&
	test_grep "model.safetensors" err &&
	test_path_is_missing "$R/blobs/$BLOB"
'

test_expect_success 'a dropped connection is resumed with Range from the right byte' '
	fresh && knobs "{\"drop_after\": 70000}" &&
	mlxk pull -q org/model &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 2 cdn &&
	hub_log "e[\"host\"] == \"127.0.0.2\" and e[\"range\"] == \"bytes=70000-\"" >resumed &&
	test_line_count = 1 resumed &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'a connection that keeps dropping still completes (progress resets the count)' '
	fresh && knobs "{\"drop_after\": 25000, \"drop_times\": 7}" &&
	mlxk pull -q org/model &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 8 cdn &&
	hub_log "e[\"host\"] == \"127.0.0.2\" and e[\"range\"] == \"bytes=175000-\"" >last &&
	test_line_count = 1 last &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'a server that ignores Range makes us start over' '
	fresh && knobs "{\"drop_after\": 70000, \"no_ranges\": true}" &&
	mlxk pull -q org/model &&
	blobs_are_hashes "$R" &&
	cmp "$HUBROOT/org/model/main/model.safetensors" "$R/snapshots/$MAIN/model.safetensors"
'

test_expect_success 'a server that always truncates is caught' '
	fresh && knobs "{\"truncate_at\": 100000}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "model.safetensors" err &&
	test_path_is_missing "$R/blobs/$BLOB" &&
	test "$(wc -c <"$R/blobs/$BLOB.incomplete")" = 100000
'

test_expect_success 'flipped content never reaches blobs/ and the partial is discarded' '
	fresh && knobs "{\"flip_byte\": true}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "model.safetensors. does not match its hash (expected $BLOB" err &&
	test_path_is_missing "$R/blobs/$BLOB" &&
	test_path_is_missing "$R/blobs/$BLOB.incomplete" &&
	! ls "$R/blobs" | grep -v "^[0-9a-f]\{40\}$"
'

test_expect_success 'a listing that claims more bytes than served is caught' '
	fresh && knobs "{\"size_delta\": 10}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "model.safetensors: the server says it has 200000 bytes, the listing says 200010" err &&
	test_path_is_missing "$R/blobs/$BLOB"
'

test_expect_success 'a listing that claims fewer bytes than served is caught' '
	fresh && knobs "{\"size_delta\": -10}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "model.safetensors: the server says it has 200000 bytes, the listing says 199990" err &&
	test_path_is_missing "$R/blobs/$BLOB"
'

test_expect_success 'a redirect loop is caught' '
	fresh && knobs "{\"redirect_loop\": true}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "too many redirects" err &&
	! grep "X-Amz" err
'

test_expect_success 'Xet-backed files come through the plain redirect, named by sha256' '
	fresh && knobs "{\"xet\": true}" &&
	mlxk pull -q org/model &&
	test_path_is_file "$R/blobs/$BLOB" &&
	blobs_are_hashes "$R"
'

test_expect_success 'tree paths that leave the snapshot are refused before any write' '
	for evil in "../../../escape" "/abs/escape" "a/../../escape"; do
		fresh && knobs "{\"evil_path\": \"$evil\"}" &&
		test_expect_code 1 mlxk pull org/model 2>err &&
		test_grep "unsafe path" err &&
		test_path_is_missing "$R" &&
		! find "$TRASH" -name escape | grep . || return 1
	done
'

test_expect_success 'a CDN that answers 404 is not called a missing repo' '
	fresh && knobs "{\"cdn_base\": \"http://127.0.0.2:$HUBPORT/nothere\"}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "^mlxk: error: model.safetensors: the download server the Hub redirected to answered HTTP 404$" err &&
	! grep "not found" err &&
	! grep "X-Amz" err
'

test_expect_success 'a listed file the Hub does not serve is named as such' '
	fresh && knobs "{\"extra_entries\": [{\"type\": \"file\", \"oid\": \"0123456789abcdef0123456789abcdef01234567\", \"size\": 3, \"path\": \"ghost.json\"}]}" &&
	test_expect_code 1 mlxk pull org/model 2>err &&
	test_grep "^mlxk: error: ghost.json: the Hub has no such file in .org/model. at .$MAIN.$" err &&
	test_path_is_file "$R/snapshots/$MAIN/config.json"
'

test_expect_success 'after the faults, a clean pull completes everything' '
	knobs "{}" &&
	mlxk pull -q --force-resume org/model &&
	blobs_are_hashes "$R"
'

test_done
