#!/bin/bash
# The second scenario of huggingface_hub#2580, without the set-up: a
# group cache root (chgrp + chmod g+ws once), no default ACL, every user
# with umask 022, Python clients writing as huggingface_hub and datasets
# do. What still fails, and what mlxk says about it.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"
. "$TEST_DIRECTORY/lib/users.sh"
users_require
export MLXK_BIN MLXK_LOCK_GRACE_MS=50
PY=/usr/bin/python3
$PY -c "import filelock" 2>/dev/null || {
	test "$CI" = true && { echo "Bail out! python3-filelock missing"; exit 1; }
	test_skip_all="python3-filelock not installed"
}

A=mlxkt_a
B=mlxkt_b
printf '{"model_type":"llama"}' | hub_file org/q main config.json
head -c 100000 /dev/urandom | hub_file org/q main model.safetensors
fakehub_start
Q="$CACHE/models--org--q"
LQ="$CACHE/.locks/models--org--q"
CFG=$(git_blob_id "$HUBROOT/org/q/main/config.json")

# hf_write USER REPO-FOLDER ETAG MODE: what huggingface_hub does for one
# blob under umask 022: os.makedirs (0777 & ~umask), the lock through
# filelock with mode MODE (0o664 for huggingface_hub >= 1.4; datasets
# passes 0o666 & ~umask), the blob 0666 & ~umask.
hf_write() {
	as_user $1 $PY - "$CACHE" "$2" "$3" "$4" "$TEST_DIRECTORY/lib" <<-\EOF
	import os, sys
	cache, folder, etag, mode, lib = sys.argv[1:]
	sys.path.insert(0, lib)
	from lockclient import ModeLock
	os.makedirs(os.path.join(cache, ".locks", folder), exist_ok=True)
	os.makedirs(os.path.join(cache, folder, "blobs"), exist_ok=True)
	lock = ModeLock(os.path.join(cache, ".locks", folder, etag + ".lock"), int(mode, 8))
	with lock.acquire(timeout=5):
	    with open(os.path.join(cache, folder, "blobs", etag), "w") as f:
	        f.write("x")
	EOF
}

test_expect_success 'setup: a group root, nothing else' '
	shared_cache_dir "$CACHE" &&
	! getfacl -p "$CACHE" | grep -q "^default:"
'

test_expect_success 'still fails: huggingface_hub'"'"'s 2755 folders lock others out' '
	hf_write $A models--org--q someetag 664 &&
	test "$(stat -c %a "$LQ")" = 2755 &&
	test "$(stat -c %a "$LQ/someetag.lock")" = 664 &&
	test_must_fail hf_write $B models--org--q otheretag 664 2>err &&
	test_grep PermissionError err
'

test_expect_success 'mlxk pull says EACCES, whose folder, and the fix' '
	test_expect_code 1 mlxk_as $B pull -q org/q 2>err &&
	test_grep "Permission denied (its folder: owner $A, mode 2755; fix: run .mlxk health --cache --fix-permissions. as $A or root)" err
'

test_expect_success 'health --cache names the folder and the cure' '
	mlxk_as $B --json health --cache >j &&
	json_check j "[(i[\"owner\"], i[\"mode\"], i[\"cure\"]) for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"] == \".locks/models--org--q\"] == [(\"$A\", \"2755\", \"its owner $A or root runs mlxk health --cache --fix-permissions\")]"
'

test_expect_success 'rm and prune of it by another user: a permission failure, nothing lost' '
	test_expect_code 1 mlxk_as $B --json rm --force org/q >j &&
	json_check j "d[\"error\"][\"type\"] == \"permission_denied\"" &&
	json_check j "\"Permission denied (its folder: owner $A, mode 2755; fix:\" in d[\"error\"][\"message\"]" &&
	test_expect_code 1 mlxk_as $B prune --expire now --force >out &&
	test_grep "^failed models--org--q/blobs/someetag: cannot remove .*Permission denied (its folder: owner $A, mode 2755; fix:" out &&
	test_grep "^Freed 0B: 0 removed, 0 kept (in use), 1 failed$" out &&
	test_path_is_file "$Q/blobs/someetag"
'

test_expect_success 'the owner'"'"'s fix-permissions cures it; then the other user pulls' '
	mlxk_as $A health --cache --fix-permissions >out &&
	test "$(stat -c %a "$LQ")" = 2775 &&
	mlxk_as $B pull -q org/q &&
	cmp "$HUBROOT/org/q/main/config.json" "$Q/snapshots/$(hub_commit org/q main)/config.json"
'

test_expect_success 'still fails: a datasets-style 0644 lock (datasets#7900) until it is removed' '
	hf_write $A models--org--q dsetag 644 &&
	test "$(stat -c %a "$LQ/dsetag.lock")" = 644 &&
	test_must_fail hf_write $B models--org--q dsetag 664 2>err &&
	test_grep PermissionError err &&
	mlxk_as $B health --cache >out &&
	test_grep "dsetag.lock (file, owner $A, mode 0644): .*lock file only its owner can open" out &&
	mlxk_as $B clean-locks --all --force --older-than 0 >out &&
	test_path_is_missing "$LQ/dsetag.lock" &&
	hf_write $B models--org--q dsetag 664
'

test_done
