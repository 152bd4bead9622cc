#!/bin/bash
# mlxk clean-locks on a real terminal (tmux): counts first, then a question.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/tty.sh"

L="$CACHE/.locks"

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
	tty_run clean-locks --older-than 0 &&
	tty_wait "Remove them? \[y/N\]" &&
	test_grep "^3 lock files in 2 folders can go; 1 stay (1 download in progress)\.$" screen &&
	tty_keys n Enter &&
	tty_wait "EXIT=1" &&
	test_grep "Cancelled: nothing was removed" screen &&
	tty_finish &&
	test_path_is_file "$L/models--mlx-community--a/1.lock" &&
	test_path_is_file "$L/models--mlx-community--b/3.lock"
'

test_expect_success 'y removes them' '
	setup &&
	tty_run clean-locks --older-than 0 &&
	tty_wait "Remove them? \[y/N\]" &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	test_grep "^Removed 3 lock files in 2 folders (1 empty folder removed)$" screen &&
	tty_finish &&
	test_path_is_missing "$L/models--mlx-community--a" &&
	test_path_is_file "$L/models--mlx-community--b/4.lock"
'

test_expect_success '--force and --dry-run do not ask' '
	setup &&
	tty_run clean-locks --older-than 0 --dry-run &&
	tty_wait "EXIT=0" &&
	test_grep "^Would remove 3 lock files" screen &&
	test_grep ! "y/N" screen &&
	test_path_is_file "$L/models--mlx-community--a/1.lock" &&
	tty_run clean-locks --older-than 0 --force &&
	tty_wait "EXIT=0" &&
	test_grep ! "y/N" screen &&
	tty_finish &&
	test_path_is_missing "$L/models--mlx-community--a"
'

test_expect_success 'nothing to remove: no question' '
	setup &&
	tty_run clean-locks &&
	tty_wait "EXIT=0" &&
	test_grep ! "y/N" screen &&
	test_grep "^Kept 4: 4 used recently$" screen &&
	tty_finish
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
