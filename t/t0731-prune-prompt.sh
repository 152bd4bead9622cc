#!/bin/bash
# mlxk prune on a real terminal (tmux): it lists what goes and asks.
. "$(dirname "$0")/test-lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	test_skip_all="tmux not installed"
fi

SOCK="$TRASH/tmux.sock"

in_tmux() {
	tmux -S "$SOCK" kill-server 2>/dev/null
	tmux -S "$SOCK" new-session -d -x 160 -y 40 \
		"env HF_HOME='$HF_HOME' HOME='$HOME' MLXK_LOCK_GRACE_MS=50 ASAN_OPTIONS='$ASAN_OPTIONS' '$MLXK_BIN' $*; echo EXIT=\$?; sleep 60"
}

wait_screen() {
	for _ in $(seq 200); do
		tmux -S "$SOCK" capture-pane -p -J >screen 2>/dev/null
		grep -q "$1" screen && return 0
		sleep 0.05
	done
	cat screen
	return 1
}

finish() {
	tmux -S "$SOCK" kill-server 2>/dev/null
	return 0
}

setup() {
	rm -rf "$CACHE" &&
	make_model org/a &&
	D=$(repo_dir org/a) &&
	O=$(printf orphan | sha256sum | cut -d" " -f1) &&
	head -c 2000 /dev/zero >"$D/blobs/$O"
}

test_expect_success 'answering n deletes nothing' '
	setup &&
	in_tmux prune &&
	wait_screen "Delete 1 item (2.0KB)? \[y/N\]" &&
	test_grep "^orphan blobs: 1 (2.0KB)$" screen &&
	test_grep "^  models--org--a/blobs/$O (2.0KB)$" screen &&
	tmux -S "$SOCK" send-keys n Enter &&
	wait_screen "EXIT=0" &&
	test_grep "Cancelled: nothing was deleted" screen &&
	finish &&
	test_path_is_file "$D/blobs/$O"
'

test_expect_success 'answering y deletes' '
	setup &&
	in_tmux prune &&
	wait_screen "\[y/N\]" &&
	tmux -S "$SOCK" send-keys y Enter &&
	wait_screen "EXIT=0" &&
	test_grep "^Freed 2.0KB: 1 removed" screen &&
	finish &&
	test_path_is_missing "$D/blobs/$O"
'

test_expect_success 'health --verify shows progress on a terminal' '
	rm -rf "$CACHE" &&
	C=$(commit_for big) &&
	D=$(repo_dir org/big) &&
	mkdir -p "$D/blobs" "$D/snapshots/$C" &&
	B=$(printf big | sha256sum | cut -d" " -f1) &&
	truncate -s 1G "$D/blobs/$B" &&
	ln -s "../../blobs/$B" "$D/snapshots/$C/model.safetensors" &&
	in_tmux health --verify &&
	wait_screen "% .*/1.1GB  .*/s  ETA .*  0/1 files" &&
	wait_screen "EXIT=1" &&
	test_grep "^\[ERROR\] org/big@$C: 0 of 1 files verified, 1 corrupted$" screen &&
	test_grep ! "ETA" screen &&
	finish
'

test_done
