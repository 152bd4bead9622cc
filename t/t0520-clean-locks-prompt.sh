#!/bin/bash
# mlxk clean-locks on a real terminal (tmux): counts first, then a question.
. "$(dirname "$0")/test-lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	test_skip_all="tmux not installed"
fi

SOCK=
L="$CACHE/.locks"

# in_tmux CMD: run CMD in a detached 120x40 terminal, on a fresh server
# (a new socket each time: a server that is still shutting down must not
# meet the next one).
in_tmux() {
	finish
	SOCK="$TRASH/tmux.$(date +%s%N).sock"
	tmux -S "$SOCK" new-session -d -x 120 -y 40 \
		"env HF_HOME='$HF_HOME' HOME='$HOME' MLXK_LOCK_GRACE_MS=50 ASAN_OPTIONS='$ASAN_OPTIONS' '$MLXK_BIN' $*; echo EXIT=\$?; sleep 60"
}

wait_screen() {
	for _ in $(seq 600); do
		tmux -S "$SOCK" capture-pane -p -J >screen 2>/dev/null
		grep -q "$1" screen && return 0
		sleep 0.05
	done
	cat screen
	return 1
}

finish() {
	test -n "$SOCK" && tmux -S "$SOCK" kill-server 2>/dev/null
	return 0
}

setup() {
	rm -rf "$CACHE"
	mkdir -p "$L/models--mlx-community--a" "$L/models--mlx-community--b"
	touch "$L/models--mlx-community--a/1.lock" "$L/models--mlx-community--a/2.lock" \
		"$L/models--mlx-community--b/3.lock"
	: >"$L/models--mlx-community--b/4.lock"
	mkdir -p "$CACHE/models--mlx-community--b/blobs"
	: >"$CACHE/models--mlx-community--b/blobs/4.incomplete"
}

test_expect_success 'the counts come first; n keeps everything' '
	setup &&
	in_tmux clean-locks --older-than 0 &&
	wait_screen "Remove them? \[y/N\]" &&
	test_grep "^3 lock files in 2 folders can go; 1 stay (1 download in progress)\.$" screen &&
	tmux -S "$SOCK" send-keys n Enter &&
	wait_screen "EXIT=0" &&
	test_grep "Cancelled: nothing was removed" screen &&
	finish &&
	test_path_is_file "$L/models--mlx-community--a/1.lock" &&
	test_path_is_file "$L/models--mlx-community--b/3.lock"
'

test_expect_success 'y removes them' '
	setup &&
	in_tmux clean-locks --older-than 0 &&
	wait_screen "Remove them? \[y/N\]" &&
	tmux -S "$SOCK" send-keys y Enter &&
	wait_screen "EXIT=0" &&
	test_grep "^Removed 3 lock files in 2 folders (1 empty folder removed)$" screen &&
	finish &&
	test_path_is_missing "$L/models--mlx-community--a" &&
	test_path_is_file "$L/models--mlx-community--b/4.lock"
'

test_expect_success '--force and --dry-run do not ask' '
	setup &&
	in_tmux clean-locks --older-than 0 --dry-run &&
	wait_screen "EXIT=0" &&
	test_grep "^Would remove 3 lock files" screen &&
	test_grep ! "y/N" screen &&
	test_path_is_file "$L/models--mlx-community--a/1.lock" &&
	in_tmux clean-locks --older-than 0 --force &&
	wait_screen "EXIT=0" &&
	test_grep ! "y/N" screen &&
	finish &&
	test_path_is_missing "$L/models--mlx-community--a"
'

test_expect_success 'nothing to remove: no question' '
	setup &&
	in_tmux clean-locks &&
	wait_screen "EXIT=0" &&
	test_grep ! "y/N" screen &&
	test_grep "^Kept 4: 4 used recently$" screen &&
	finish
'

test_expect_success 'without a terminal it proceeds' '
	setup &&
	mlxk clean-locks --older-than 0 </dev/null >out 2>err &&
	test_grep "^Removed 3 lock files" out
'

for s in "$TRASH"/tmux.*.sock; do
	test -S "$s" && tmux -S "$s" kill-server 2>/dev/null
done
test_done
