#!/bin/bash
# mlxk rm and downloads in progress: only a held flock counts, and
# --force keeps what is busy.
. "$(dirname "$0")/test-lib.sh"
export MLXK_LOCK_GRACE_MS=50

PY=/usr/bin/python3
if ! $PY -c "import filelock" 2>/dev/null; then
	test_skip_all="python3-filelock not installed"
fi

# hold_filelock FILE: hold it with Python's filelock.FileLock.
hold_filelock() {
	rm -f ready
	$PY -c '
import sys, time, filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire()
open("ready", "w").close()
time.sleep(30)
' "$1" &
	HOLDER=$!
	for _ in $(seq 400); do test -e ready && return 0; sleep 0.05; done
	return 1
}

setup() {
	rm -rf "$CACHE"
	make_model org/beta
	D=$(repo_dir org/beta)
	L="$CACHE/.locks/models--org--beta"
	W=$(readlink "$D/snapshots/$(commit_for org/beta)/model.safetensors")
	W=${W##*/}
	mkdir -p "$L"
	for b in $(ls "$D/blobs"); do touch "$L/$b.lock"; done
}

test_expect_success 'lock files that merely exist do not stop rm' '
	setup &&
	mlxk rm org/beta >out &&
	test_grep "4 lock files cleaned" out &&
	test_path_is_missing "$D" &&
	test_path_is_missing "$L"
'

test_expect_success 'a lock held by flock(1) makes rm refuse (locks_present)' '
	setup &&
	printf "partial" >"$D/blobs/$W.incomplete" &&
	hold_flock "$L/$W.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	test_expect_code 1 mlxk rm org/beta 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: org/beta has a download in progress: 1 lock file is held (.locks/models--org--beta/$W.lock)" err &&
	test_path_is_dir "$D/snapshots" &&
	test_path_is_file "$L/$W.lock"
'

test_expect_success 'locks_present in JSON lists the held lock files' '
	setup &&
	hold_flock "$L/$W.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	test_expect_code 1 mlxk --json rm org/beta >out &&
	json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"locks_present\"" &&
	json_check out "d[\"data\"][\"locks_detected\"] is True" &&
	json_check out "d[\"data\"][\"lock_files\"] == [\".locks/models--org--beta/$W.lock\"]" &&
	test_path_is_dir "$D/snapshots"
'

test_expect_success 'rm --force keeps the held lock, its blob and its .incomplete files' '
	setup &&
	printf "partial" >"$D/blobs/$W.incomplete" &&
	printf "partial" >"$D/blobs/$W.0a1b2c3d.incomplete" &&
	hold_flock "$L/$W.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk rm --force org/beta >out 2>err &&
	test_expect_code 1 flock -n "$L/$W.lock" true &&
	test_grep "Kept (lock held by another process): models--org--beta/blobs/$W.incomplete" out &&
	test_path_is_file "$L/$W.lock" &&
	test_path_is_file "$D/blobs/$W" &&
	test_path_is_file "$D/blobs/$W.incomplete" &&
	test_path_is_file "$D/blobs/$W.0a1b2c3d.incomplete" &&
	test_path_is_missing "$D/snapshots" &&
	test_path_is_missing "$D/refs" &&
	test "$(ls "$D/blobs" | wc -l)" = 3 &&
	test "$(ls "$L" | wc -l)" = 1
'

test_expect_success 'rm --force keeps blobs/ for a download that has only taken its lock' '
	setup &&
	: >"$L/0123456789abcdef0123456789abcdef01234567.lock" &&
	hold_flock "$L/0123456789abcdef0123456789abcdef01234567.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk rm --force org/beta >out 2>err &&
	test_path_is_dir "$D/blobs" &&
	test "$(ls "$D/blobs" | wc -l)" = 0 &&
	test_path_is_missing "$D/snapshots"
'

test_expect_success 'a lock held by python filelock survives rm --force' '
	setup &&
	printf "partial" >"$D/blobs/$W.incomplete" &&
	hold_filelock "$L/$W.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk --json rm --force org/beta >out &&
	test_expect_code 1 flock -n "$L/$W.lock" true &&
	json_check out "d[\"data\"][\"locks_detected\"] is True" &&
	json_check out "\"models--org--beta/blobs/$W.incomplete\" in d[\"data\"][\"kept\"]" &&
	json_check out "d[\"data\"][\"lock_files_cleaned\"] == 3" &&
	test_path_is_file "$D/blobs/$W.incomplete" &&
	test_path_is_file "$L/$W.lock"
'

test_expect_success 'rm MODEL@REV refuses while any blob lock of the repo is held' '
	setup &&
	C2=$(commit_for two) &&
	printf "two" | add_file org/beta "$C2" extra.bin >/dev/null &&
	hold_filelock "$L/$W.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	test_expect_code 1 mlxk rm "org/beta@$C2" 2>err &&
	test_grep "download in progress" err &&
	test_path_is_dir "$D/snapshots/$C2"
'

test_expect_success 'a SoftFileLock marker of a live process counts as held' '
	setup &&
	printf "%s\n%s\n" $$ "$(hostname)" >"$L/$W.lock" &&
	test_expect_code 1 mlxk rm org/beta 2>err &&
	test_grep "download in progress" err &&
	printf "%s\n%s\n" 2147483000 "$(hostname)" >"$L/$W.lock" &&
	mlxk rm org/beta >out &&
	test_path_is_missing "$D" && test_path_is_missing "$L"
'

test_done
