#!/bin/bash
# mlxk rm on a real terminal (tmux): it shows what goes and asks first.
. "$(dirname "$0")/test-lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	test_skip_all="tmux not installed"
fi

SOCK=

# in_tmux CMD: run CMD in a detached 120x40 terminal, on a fresh server
# (a new socket each time: a server that is still shutting down must not
# meet the next one).
in_tmux() {
	finish
	SOCK="$TRASH/tmux.$(date +%s%N).sock"
	tmux -S "$SOCK" new-session -d -x 120 -y 40 \
		"env HF_HOME='$HF_HOME' HOME='$HOME' MLXK_LOCK_GRACE_MS=50 ASAN_OPTIONS='$ASAN_OPTIONS' '$MLXK_BIN' $*; echo EXIT=\$?; sleep 60"
}

# wait_screen PATTERN: poll the pane until PATTERN shows up.
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
	make_model org/alpha
	mkdir -p "$CACHE/.locks/models--org--alpha"
	touch "$CACHE/.locks/models--org--alpha/a.lock"
}

test_expect_success 'answering n keeps the model' '
	setup &&
	in_tmux rm org/alpha &&
	wait_screen "Delete org/alpha? \[y/N\]" &&
	test_grep "^Model:      org/alpha (entire model)" screen &&
	test_grep "^Frees:      4.3KB (4288 bytes)" screen &&
	test_grep "^Lock files: 1 to clean" screen &&
	tmux -S "$SOCK" send-keys n Enter &&
	wait_screen "EXIT=0" &&
	test_grep "Cancelled: nothing was deleted" screen &&
	finish &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots" &&
	test_path_is_file "$CACHE/.locks/models--org--alpha/a.lock"
'

test_expect_success 'an empty answer is no' '
	setup &&
	in_tmux rm org/alpha &&
	wait_screen "\[y/N\]" &&
	tmux -S "$SOCK" send-keys Enter &&
	wait_screen "EXIT=0" &&
	finish &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots"
'

test_expect_success 'answering y deletes it' '
	setup &&
	in_tmux rm org/alpha &&
	wait_screen "Delete org/alpha? \[y/N\]" &&
	tmux -S "$SOCK" send-keys y Enter &&
	wait_screen "EXIT=0" &&
	test_grep "Deleted entire model org/alpha" screen &&
	finish &&
	test_path_is_missing "$(repo_dir org/alpha)" &&
	test_path_is_missing "$CACHE/.locks/models--org--alpha"
'

test_expect_success 'a fuzzy match says what it matched before asking' '
	setup &&
	in_tmux rm alph@main &&
	wait_screen "\[y/N\]" &&
	test_grep "^.alph@main. matched org/alpha" screen &&
	tmux -S "$SOCK" send-keys y Enter &&
	wait_screen "EXIT=0" &&
	finish &&
	test_path_is_missing "$(repo_dir org/alpha)"
'

test_expect_success '--force skips the prompt on a terminal' '
	setup &&
	in_tmux rm --force org/alpha &&
	wait_screen "EXIT=0" &&
	test_grep ! "y/N" screen &&
	finish &&
	test_path_is_missing "$(repo_dir org/alpha)"
'

test_expect_success '--json never prompts' '
	setup &&
	in_tmux --json rm org/alpha &&
	wait_screen "EXIT=0" &&
	test_grep ! "y/N" screen &&
	finish &&
	test_path_is_missing "$(repo_dir org/alpha)"
'

for s in "$TRASH"/tmux.*.sock; do
	test -S "$s" && tmux -S "$s" kill-server 2>/dev/null
done
test_done
