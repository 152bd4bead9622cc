#!/bin/bash
# Deleting in a cache shared by real users: a lock file or lock folder
# this user cannot open may be held by its owner, so every deletion path
# treats it as busy (fail closed); prune counts only bytes it freed and
# calls a permission failure by its name.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/users.sh"
users_require
export MLXK_LOCK_GRACE_MS=50

A=mlxkt_a
B=mlxkt_b
R=org/m
C=$(commit_for $R)
L="$CACHE/.locks/models--org--m"

# A model that B owns and may change, in a group cache; W is its weights
# blob, whose lock file belongs to A with mode 0600 (A's umask 077).
setup() {
	rm -rf "$CACHE" &&
	shared_cache_dir "$CACHE" &&
	make_model $R &&
	D=$(repo_dir $R) &&
	W=$(readlink "$D/snapshots/$C/model.safetensors") && W=${W##*/} &&
	mkdir -p "$L" &&
	for b in $(ls "$D/blobs"); do : >"$L/$b.lock" || return 1; done &&
	chown -R $B:$MLXKT_GROUP "$CACHE" &&
	chmod -R g+rwX "$CACHE" &&
	chown $A "$L/$W.lock" && chmod 0600 "$L/$W.lock"
}

test_expect_success 'rm refuses when a lock file of another user cannot be opened' '
	setup &&
	test_expect_code 1 mlxk_as $B rm $R 2>err &&
	test_grep "org/m may have a download in progress: 1 lock file is held (.locks/models--org--m/$W.lock: owner $A, mode 0600; cannot be opened by you (Permission denied), so it may be held by its owner)" err &&
	test_path_is_dir "$(repo_dir $R)/snapshots/$C" &&
	test_expect_code 1 mlxk_as $B --json rm $R >j &&
	json_check j "d[\"error\"][\"type\"] == \"locks_present\"" &&
	json_check j "\"owner $A, mode 0600\" in d[\"data\"][\"lock_notes\"][\".locks/models--org--m/$W.lock\"]"
'

test_expect_success 'rm --force keeps that blob, its partial file and its lock' '
	setup &&
	D=$(repo_dir $R) &&
	head -c 100 /dev/urandom >"$D/blobs/$W.incomplete" &&
	chown $B "$D/blobs/$W.incomplete" &&
	mlxk_as $B rm --force $R >out 2>err &&
	test_path_is_file "$D/blobs/$W" &&
	test_path_is_file "$D/blobs/$W.incomplete" &&
	test_path_is_file "$L/$W.lock" &&
	test_path_is_missing "$D/snapshots" &&
	test "$(ls "$D/blobs" | wc -l)" = 2
'

test_expect_success 'a lock folder this user cannot search makes every blob busy' '
	setup &&
	chown $A "$L" && chmod 0700 "$L" &&
	test_expect_code 1 mlxk_as $B rm $R 2>err &&
	test_grep "1 lock file is held (.locks/models--org--m: owner $A, mode 2700; folder cannot be used by you (Permission denied)" err &&
	mlxk_as $B rm --force $R &&
	test "$(ls "$(repo_dir $R)/blobs" | wc -l)" = 4
'

test_expect_success 'a missing lock that cannot be created in its owner'"'"'s folder: busy' '
	setup &&
	rm -f "$L/$W.lock" && chown $A "$L" && chmod 2755 "$L" &&
	test_expect_code 1 mlxk_as $B rm $R 2>err &&
	test_grep "$W.lock: folder owner $A, mode 2755; the lock file is missing and you cannot create it" err
'

test_expect_success 'prune keeps an orphan blob whose lock it cannot open, and counts no bytes' '
	setup &&
	D=$(repo_dir $R) &&
	rm "$D/snapshots/$C/model.safetensors" &&
	mlxk_as $B --json prune --expire now --force >j &&
	json_check j "[a[\"status\"] for a in d[\"data\"][\"items\"] if a[\"path\"].endswith(\"$W\")] == [\"busy\"]" &&
	json_check j "d[\"data\"][\"summary\"][\"bytes_freed\"] == 0" &&
	test_path_is_file "$D/blobs/$W" &&
	mlxk_as $B prune --expire now --force >out &&
	test_grep "owner $A, mode 0600) cannot be opened by you" out &&
	test_grep "^Freed 0B: 0 removed, 1 kept (in use), 0 failed$" out
'

test_expect_success 'prune: a blob in a folder this user cannot write is a failure with no bytes' '
	setup &&
	D=$(repo_dir $R) &&
	chmod 0644 "$L/$W.lock" && chown $B "$L/$W.lock" &&
	rm "$D/snapshots/$C/model.safetensors" &&
	chown $A "$D/blobs" && chmod 2755 "$D/blobs" &&
	test_expect_code 1 mlxk_as $B prune --expire now --force >out &&
	test_grep "Permission denied" out &&
	test_grep "^Freed 0B: 0 removed, 0 kept (in use), 1 failed$" out &&
	test_expect_code 1 mlxk_as $B --json prune --expire now --force >j &&
	json_check j "d[\"status\"] == \"error\" or d[\"data\"][\"summary\"][\"bytes_freed\"] == 0" &&
	json_check j "[a[\"bytes\"] for a in d[\"data\"][\"items\"] if a[\"status\"] == \"failed\"] == [0]" &&
	test_path_is_file "$D/blobs/$W"
'

test_expect_success 'prune: a lock folder with locks it may not remove is a permission failure' '
	setup &&
	mkdir -p "$CACHE/.locks/models--org--gone" &&
	: >"$CACHE/.locks/models--org--gone/x.lock" &&
	chown -R $A "$CACHE/.locks/models--org--gone" &&
	chmod 2755 "$CACHE/.locks/models--org--gone" &&
	test_expect_code 1 mlxk_as $B prune --expire now --force >out &&
	test_grep "^failed .locks/models--org--gone: 1 lock file you may not remove (.locks/models--org--gone/x.lock, owned by $A: Permission denied)" out &&
	test_path_is_file "$CACHE/.locks/models--org--gone/x.lock"
'

test_done
