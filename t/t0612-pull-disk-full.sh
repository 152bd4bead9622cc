#!/bin/bash
# mlxk pull on a full disk: a warning before starting, a clear error
# when the disk fills, and nothing half-written in blobs/. One download
# at a time (-j 1), so the small file lands before the large one fills
# the disk.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 2000000 /dev/urandom | hub_file org/model main model.safetensors
fakehub_start

SMALL="$TRASH/small"
mkdir -p "$SMALL"
if test "$(id -u)" = 0 && mount -t tmpfs -o size=1m tmpfs "$SMALL" 2>/dev/null; then
	trap 'umount "$SMALL" 2>/dev/null; kill $FAKEHUB_PID 2>/dev/null; wait $FAKEHUB_PID 2>/dev/null' EXIT
else
	test_skip_all="needs root to mount a 1 MB tmpfs"
fi
BLOB=$(sha256_of "$HUBROOT/org/model/main/model.safetensors")

test_expect_success 'a full disk: warning first, then a clear error' '
	test_expect_code 1 mlxk --cache-dir "$SMALL/hub" pull -j 1 org/model 2>err &&
	test_grep "^mlxk: warning: .org/model. needs 2.0MB more but only" err &&
	test_grep "No space left on device" err &&
	test_grep "model.safetensors" err &&
	test_path_is_missing "$SMALL/hub/models--org--model/blobs/$BLOB"
'

test_expect_success 'the small file still made it, verified' '
	R="$SMALL/hub/models--org--model" &&
	blobs_are_hashes "$R" &&
	test_path_is_file "$R/snapshots/$(hub_commit org/model main)/config.json"
'

test_expect_success 'the partial file stays for a later resume' '
	test -s "$SMALL/hub/models--org--model/blobs/$BLOB.incomplete"
'

test_expect_success '--json carries the warning as data.preflight_warning' '
	rm -rf "$SMALL/hub" &&
	test_expect_code 1 mlxk --cache-dir "$SMALL/hub" --json pull -j 1 org/model >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"download_failed\"" &&
	json_check out "\"No space left on device\" in d[\"error\"][\"message\"]" &&
	json_check out "d[\"data\"][\"preflight_warning\"].startswith(\"\x27org/model\x27 needs 2.0MB more but only\")"
'

test_expect_success '-q drops the warning and keeps the errors' '
	rm -rf "$SMALL/hub" &&
	test_expect_code 1 mlxk --cache-dir "$SMALL/hub" pull -q -j 1 org/model 2>err &&
	! grep warning err &&
	test_grep "No space left on device" err
'

umount "$SMALL" 2>/dev/null
test_done
