#!/bin/bash
# health --verify: offline re-hashing of cached files against their blob
# names (SHA-256 for LFS blobs, git blob SHA-1 for the rest).
. "$(dirname "$0")/test-lib.sh"

C1=$(commit_for one)
C2=$(commit_for two)

# A model with an LFS weight file, a small git file in a subfolder and a
# second revision that links the same weight blob.
setup_cache() {
	rm -rf "$CACHE" &&
	make_model org/alpha "$C1" &&
	printf '{"a":1}' | add_file org/alpha "$C1" sub/dir/extra.json >/dev/null &&
	make_model org/beta &&
	D=$(repo_dir org/alpha) &&
	W=$(basename "$(readlink "$D/snapshots/$C1/model.safetensors")") &&
	mkdir -p "$D/snapshots/$C2" &&
	ln -s "../../blobs/$W" "$D/snapshots/$C2/model.safetensors"
}

# flip_byte FILE OFFSET: invert one byte in place.
flip_byte() {
	python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0xff]))
PY
}

test_expect_success 'a clean cache verifies with exit 0' '
	setup_cache &&
	mlxk health --verify >out 2>err &&
	test_grep "^\[OK\] org/alpha@$C1: 5 of 5 files verified$" out &&
	test_grep "^\[OK\] org/beta@" out &&
	test_grep "^Verified 9 files of 2 models: 9 ok, 0 corrupted" out &&
	test_must_be_empty err
'

test_expect_success 'JSON for a clean cache' '
	setup_cache &&
	mlxk --json health --verify >out &&
	json_check out "d[\"status\"] == \"success\" and d[\"command\"] == \"health\"" &&
	json_check out "d[\"data\"][\"verify\"][\"summary\"][\"corrupted\"] == 0" &&
	json_check out "d[\"data\"][\"verify\"][\"summary\"][\"verified\"] == 9" &&
	json_check out "d[\"data\"][\"verify\"][\"summary\"][\"healthy_count\"] == 2" &&
	json_check out "[m[\"name\"] for m in d[\"data\"][\"verify\"][\"models\"]] == [\"org/alpha\", \"org/beta\"]" &&
	json_check out "d[\"data\"][\"verify\"][\"models\"][0][\"revision\"] == \"$C1\"" &&
	json_check out "d[\"data\"][\"verify\"][\"models\"][0][\"verified\"] == 5"
'

test_expect_success 'a flipped byte in an LFS blob is reported, exit 1' '
	setup_cache &&
	D=$(repo_dir org/alpha) &&
	B=$(readlink "$D/snapshots/$C1/model.safetensors") &&
	W=$(basename "$B") &&
	flip_byte "$D/blobs/$W" 100 &&
	ACT=$(sha256sum "$D/blobs/$W" | cut -d" " -f1) &&
	test_expect_code 1 mlxk health --verify org/alpha >out &&
	test_grep "^\[ERROR\] org/alpha@$C1: 4 of 5 files verified, 1 corrupted$" out &&
	test_grep "^  corrupted: model.safetensors$" out &&
	test_grep "^    expected $W$" out &&
	test_grep "^    actual   $ACT$" out &&
	test_expect_code 1 mlxk --json health --verify org/alpha >j &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"corrupted\"] == [{\"path\": \"model.safetensors\", \"expected\": \"$W\", \"actual\": \"$ACT\"}]" &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"healthy\"] == False"
'

test_expect_success 'a flipped byte in a git file in a subfolder is reported' '
	setup_cache &&
	D=$(repo_dir org/alpha) &&
	B=$(basename "$(readlink "$D/snapshots/$C1/sub/dir/extra.json")") &&
	flip_byte "$D/blobs/$B" 0 &&
	ACT=$(git_blob_id "$D/blobs/$B") &&
	test_expect_code 1 mlxk --json health --verify >j &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"name\"] == \"org/alpha\"" &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"revision\"] == \"$C1\"" &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"corrupted\"] == [{\"path\": \"sub/dir/extra.json\", \"expected\": \"$B\", \"actual\": \"$ACT\"}]" &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][1][\"healthy\"] == True" &&
	json_check j "d[\"data\"][\"verify\"][\"summary\"][\"unhealthy_count\"] == 1"
'

test_expect_success 'MODEL@REV verifies that revision; a blob linked twice is hashed once' '
	setup_cache &&
	D=$(repo_dir org/alpha) &&
	ln -s ../../blobs/$(basename "$(readlink "$D/snapshots/$C1/model.safetensors")") \
		"$D/snapshots/$C2/copy.safetensors" &&
	mlxk --json health --verify "org/alpha@${C2:0:8}" >j &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"revision\"] == \"$C2\"" &&
	json_check j "d[\"data\"][\"verify\"][\"summary\"][\"files\"] == 2" &&
	json_check j "d[\"data\"][\"verify\"][\"summary\"][\"verified\"] == 2" &&
	json_check j "d[\"data\"][\"verify\"][\"summary\"][\"hashed_files\"] == 1" &&
	json_check j "d[\"data\"][\"verify\"][\"summary\"][\"bytes_hashed\"] == 4096"
'

test_expect_success 'a missing blob (dangling link) is unreadable, exit 1' '
	setup_cache &&
	D=$(repo_dir org/beta) &&
	B=$(basename "$(readlink "$D/snapshots/$(commit_for org/beta)/config.json")") &&
	rm "$D/blobs/$B" &&
	test_expect_code 1 mlxk --json health --verify org/beta >j &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"unreadable\"] == [{\"path\": \"config.json\", \"reason\": \"blob $B is missing\"}]"
'

test_expect_success 'regular files in a snapshot are unverifiable without trees/' '
	setup_cache &&
	D=$(repo_dir org/beta) &&
	S="$D/snapshots/$(commit_for org/beta)" &&
	printf "plain" >"$S/notes.txt" &&
	mkdir -p "$S/deep" && printf "x" >"$S/deep/more.txt" &&
	mlxk health --verify org/beta >out &&
	test_grep "^\[WARNING\] org/beta@.*: 4 of 6 files verified, 2 unverifiable$" out &&
	test_grep "^  unverifiable: notes.txt (regular file with no known hash)$" out &&
	mlxk --json health --verify org/beta >j &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"unverifiable\"] == [\"deep/more.txt\", \"notes.txt\"]"
'

test_expect_success 'trees/<commit>.json gives hashes for regular files' '
	setup_cache &&
	D=$(repo_dir org/beta) &&
	CB=$(commit_for org/beta) &&
	S="$D/snapshots/$CB" &&
	printf "plain" >"$S/notes.txt" &&
	head -c 3000 /dev/urandom >"$S/weights.bin" &&
	printf "keep" >"$S/bad.txt" &&
	GOOD=$(git_blob_id "$S/notes.txt") &&
	LFS=$(sha256_of "$S/weights.bin") &&
	WRONG=$(printf other | sha1sum | cut -d" " -f1) &&
	mkdir -p "$D/trees" &&
	cat >"$D/trees/$CB.json" <<-JSON &&
	{"files": {"bad.txt": {"blob_id": "$WRONG", "size": 4},
	 "notes.txt": {"blob_id": "$GOOD", "size": 5},
	 "weights.bin": {"blob_id": "$WRONG", "lfs_sha256": "$LFS", "size": 3000}},
	 "format_version": 1}
	JSON
	test_expect_code 1 mlxk --json health --verify org/beta >j &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"verified\"] == 6" &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"unverifiable\"] == []" &&
	json_check j "[c[\"path\"] for c in d[\"data\"][\"verify\"][\"models\"][0][\"corrupted\"]] == [\"bad.txt\"]" &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"corrupted\"][0][\"expected\"] == \"$WRONG\""
'

test_expect_success 'a symlinked blob is never followed out of the cache' '
	setup_cache &&
	D=$(repo_dir org/beta) &&
	CB=$(commit_for org/beta) &&
	printf secret >"$TRASH/outside" &&
	ln -s "$TRASH/outside" "$D/snapshots/$CB/leak.txt" &&
	test_expect_code 1 mlxk --json health --verify org/beta >j &&
	json_check j "d[\"data\"][\"verify\"][\"models\"][0][\"unreadable\"][0][\"path\"] == \"leak.txt\""
'

test_expect_success 'unknown model is an error (exit 1)' '
	setup_cache &&
	test_expect_code 1 mlxk health --verify org/nope 2>err &&
	test_grep "^mlxk: error: " err &&
	test_expect_code 1 mlxk --json health --verify org/nope >j &&
	json_check j "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"model_not_found\""
'

test_expect_success 'SIGINT stops verification cleanly with exit 130' '
	rm -rf "$CACHE" &&
	C=$(commit_for big) &&
	D=$(repo_dir org/big) &&
	mkdir -p "$D/blobs" "$D/snapshots/$C" &&
	# A sparse 64 GB blob: takes far longer to hash than the test waits.
	B=$(printf big | sha256sum | cut -d" " -f1) &&
	truncate -s 64G "$D/blobs/$B" &&
	ln -s "../../blobs/$B" "$D/snapshots/$C/model.safetensors" &&
	set_ref org/big main "$C" &&
	await_opens "$D/blobs/$B" 1 &&
	start=$(date +%s) &&
	{ "$MLXK_BIN" health --verify >out 2>err & pid=$!; } &&
	wait $AWAITER &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	test "$rc" = 130 &&
	test $(($(date +%s) - start)) -lt 10 &&
	test_grep "interrupted" err
'

test_done
