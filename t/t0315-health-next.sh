#!/bin/bash
# Every unhealthy reason comes with its next step, and that step works:
# each test runs the command health names and checks health is then clean.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

export MLXK_LOCK_GRACE_MS=50
for rev in main v1; do
	printf '{"model_type":"llama","quantization":{"bits":4,"group_size":64}}' |
		hub_file org/model $rev config.json
	head -c 3000 /dev/urandom | hub_file org/model $rev model.safetensors
done
fakehub_start
MAIN=$(hub_commit org/model main)
V1=$(hub_commit org/model v1)
D="$CACHE/models--org--model"

# healthy: plain health and health --cache both find nothing wrong.
healthy() {
	mlxk health >h.out &&
	test_grep "^healthy   org/model" h.out &&
	mlxk health --cache >c.out &&
	test_grep "^No problems found$" c.out
}

# next_of FILE: the first command of plain health's JSON next_steps.
next_of() {
	json "$1" "d[\"data\"][\"next_steps\"][0][\"commands\"][0]"
}

# cache_next FILE CATEGORY: the next step of the category's first item.
cache_next() {
	json "$1" "d[\"data\"][\"cache\"][\"categories\"][\"$2\"][\"items\"][0][\"next\"]"
}

test_expect_success 'setup: org/model at main and v1' '
	mlxk pull org/model >out 2>&1 &&
	mlxk pull org/model@v1 >out 2>&1 &&
	healthy
'

test_expect_success 'a ref with a trailing newline: pull writes it again' '
	printf "%s\n" "$MAIN" >"$D/refs/main" &&
	test_expect_code 1 mlxk health >out &&
	test_grep "^          next: mlxk pull --force-resume org/model$" out &&
	test_expect_code 1 mlxk --json health >j &&
	test "$(next_of j)" = "mlxk pull --force-resume org/model" &&
	mlxk --json health --cache >c &&
	test "$(cache_next c bad_refs)" = "mlxk pull --force-resume org/model" &&
	eval "$(next_of j)" >out 2>&1 &&
	healthy
'

test_expect_success 'a ref to a missing snapshot: pull at that ref, not at main' '
	rm -rf "$D/snapshots/$V1" &&
	test_expect_code 1 mlxk health >out &&
	test_grep "^          next: mlxk pull --force-resume org/model@v1$" out &&
	mlxk --json health --cache >c &&
	test "$(cache_next c bad_refs)" = "mlxk pull --force-resume org/model@v1" &&
	test_expect_code 1 mlxk --json health >j &&
	eval "$(next_of j)" >out 2>&1 &&
	healthy
'

test_expect_success 'a missing blob: pull --force-resume (health) fetches it' '
	B=$(basename "$(readlink "$D/snapshots/$MAIN/model.safetensors")") &&
	rm "$D/blobs/$B" &&
	test_expect_code 1 mlxk health >out &&
	test_grep "^          next: mlxk pull --force-resume org/model, or remove it: mlxk rm org/model$" out &&
	test_expect_code 1 mlxk --json health >j &&
	eval "$(next_of j)" >out 2>&1 &&
	healthy
'

test_expect_success 'a missing blob: the revision health --cache names is fetched' '
	B=$(basename "$(readlink "$D/snapshots/$V1/model.safetensors")") &&
	rm "$D/blobs/$B" &&
	mlxk health --cache >out &&
	test_grep "^  next: mlxk pull --force-resume org/model@$V1$" out &&
	mlxk --json health --cache >c &&
	eval "$(cache_next c dangling_links)" >out 2>&1 &&
	healthy
'

test_expect_success 'a broken revision: rm MODEL@REV removes it' '
	B=$(basename "$(readlink "$D/snapshots/$V1/model.safetensors")") &&
	rm "$D/blobs/$B" &&
	test_expect_code 1 mlxk health org/model@v1 >out &&
	test_grep "^          next: mlxk pull --force-resume org/model@v1, or remove it: mlxk rm org/model@v1$" out &&
	test_expect_code 1 mlxk --json health org/model@v1 >j &&
	test "$(json j "d[\"data\"][\"next_steps\"][0][\"commands\"][1]")" = "mlxk rm org/model@v1" &&
	eval "$(json j "d[\"data\"][\"next_steps\"][0][\"commands\"][1]")" </dev/null >out 2>&1 &&
	test_path_is_missing "$D/snapshots/$V1" &&
	healthy
'

test_expect_success 'an interrupted pull: resumable, and pull --force-resume resumes it' '
	B=$(basename "$(readlink "$D/snapshots/$MAIN/model.safetensors")") &&
	head -c 1000 "$D/blobs/$B" >"$D/blobs/$B.incomplete" &&
	rm "$D/blobs/$B" &&
	test_expect_code 1 mlxk health >out &&
	test_grep "^          next: mlxk pull --force-resume org/model, or remove it" out &&
	mlxk health --cache >out &&
	test_grep "^resumable partial downloads: 1 (1.0KB)$" out &&
	test_grep ! "^stale" out &&
	mlxk --json health --cache >c &&
	test "$(cache_next c resumable_incomplete)" = "mlxk pull --force-resume org/model" &&
	eval "$(cache_next c resumable_incomplete)" >out 2>&1 &&
	test_grep "^resumed model.safetensors" out &&
	healthy
'

test_expect_success 'a stale partial, orphan blobs and leftovers: prune' '
	E=$(printf gone | sha256sum | cut -d" " -f1) &&
	head -c 500 /dev/zero >"$D/blobs/$E.incomplete" &&
	backdate "$D/blobs/$E.incomplete" 172800 &&
	head -c 300 /dev/urandom >"$D/blobs/$(printf old | sha256sum | cut -d" " -f1)" &&
	backdate "$D/blobs/$(printf old | sha256sum | cut -d" " -f1)" 7200 &&
	mkdir -p "$CACHE/.locks/models--gone--x" &&
	mlxk --json health --cache >c &&
	test "$(cache_next c stale_incomplete)" = "mlxk prune" &&
	test "$(cache_next c orphan_blobs)" = "mlxk prune" &&
	test "$(cache_next c orphan_lock_folders)" = "mlxk prune" &&
	mlxk health --cache >out &&
	test $(grep -c "^  next: mlxk prune$" out) = 3 &&
	eval "$(cache_next c stale_incomplete) --force" >out 2>&1 &&
	healthy
'

test_expect_success 'an orphan blob younger than prune waits for: --expire now' '
	head -c 300 /dev/urandom >"$D/blobs/$(printf young | sha256sum | cut -d" " -f1)" &&
	mlxk --json health --cache >c &&
	test "$(cache_next c orphan_blobs)" = "mlxk prune --expire now" &&
	eval "$(cache_next c orphan_blobs) --force" >out 2>&1 &&
	healthy
'

test_expect_success 'a detached revision: prune --detached' '
	mlxk pull org/model@v1 >out 2>&1 &&
	rm "$D/refs/v1" &&
	for f in "$D/snapshots/$V1"/* "$D/snapshots/$V1"; do
		backdate "$f" 7200 || return 1
	done &&
	mlxk --json health --cache >c &&
	test "$(cache_next c detached_revisions)" = "mlxk prune --detached" &&
	eval "$(cache_next c detached_revisions) --force" >out 2>&1 &&
	test_path_is_missing "$D/snapshots/$V1" &&
	healthy
'

test_expect_success 'a corrupted blob (health --verify): remove it, pull fetches it again' '
	mlxk pull org/model@v1 >out 2>&1 &&
	B=$(basename "$(readlink "$D/snapshots/$V1/model.safetensors")") &&
	printf X | dd of="$D/blobs/$B" bs=1 seek=10 conv=notrunc 2>/dev/null &&
	test_expect_code 1 mlxk health --verify org/model@v1 >out &&
	test_grep "^  next: rm .$D/blobs/$B. && mlxk pull --force-resume org/model@v1$" out &&
	test_expect_code 1 mlxk --json health --verify org/model@v1 >j &&
	next=$(json j "d[\"data\"][\"verify\"][\"models\"][0][\"next\"]") &&
	test_expect_code 0 mlxk pull --force-resume org/model@v1 >out 2>&1 &&
	test_expect_code 1 mlxk health --verify org/model@v1 >out &&
	eval "$next" >out 2>&1 &&
	mlxk health --verify >out &&
	healthy
'

test_expect_success 'a damaged model: rm MODEL (the second step) leaves a clean cache' '
	B=$(basename "$(readlink "$D/snapshots/$MAIN/config.json")") &&
	rm "$D/blobs/$B" &&
	test_expect_code 1 mlxk --json health >j &&
	eval "$(json j "d[\"data\"][\"next_steps\"][0][\"commands\"][1]")" </dev/null >out 2>&1 &&
	test_path_is_missing "$D" &&
	mlxk health >out 2>err &&
	mlxk health --cache >out &&
	test_grep "^No problems found$" out
'

test_done
