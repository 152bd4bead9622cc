#!/bin/bash
# mlxk rm on a real terminal (tmux): it shows what goes and asks first.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/tty.sh"

setup() {
	rm -rf "$CACHE"
	make_model org/alpha
	mkdir -p "$CACHE/.locks/models--org--alpha"
	touch "$CACHE/.locks/models--org--alpha/a.lock"
}

test_expect_success 'answering n keeps the model and exits 1' '
	setup &&
	tty_run rm org/alpha &&
	tty_wait "Delete org/alpha? \[y/N\]" &&
	test_grep "^Model:      org/alpha (entire model)" screen &&
	test_grep "^Frees:      4.3KB (4288 bytes)" screen &&
	test_grep "^Lock files: 1 to clean" screen &&
	tty_keys n Enter &&
	tty_wait "EXIT=1" &&
	test_grep "Cancelled: nothing was deleted" screen &&
	tty_finish &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots" &&
	test_path_is_file "$CACHE/.locks/models--org--alpha/a.lock"
'

test_expect_success 'an empty answer is no' '
	setup &&
	tty_run rm org/alpha &&
	tty_wait "\[y/N\]" &&
	tty_keys Enter &&
	tty_wait "EXIT=1" &&
	tty_finish &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots"
'

test_expect_success 'answering y deletes it' '
	setup &&
	tty_run rm org/alpha &&
	tty_wait "Delete org/alpha? \[y/N\]" &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	test_grep "Deleted entire model org/alpha" screen &&
	tty_finish &&
	test_path_is_missing "$(repo_dir org/alpha)" &&
	test_path_is_missing "$CACHE/.locks/models--org--alpha"
'

test_expect_success 'a fuzzy match says what it matched before asking' '
	setup &&
	tty_run rm alph@main &&
	tty_wait "\[y/N\]" &&
	test_grep "^.alph@main. matched org/alpha" screen &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	tty_finish &&
	test_path_is_missing "$(repo_dir org/alpha)"
'

test_expect_success '--force skips the prompt on a terminal' '
	setup &&
	tty_run rm --force org/alpha &&
	tty_wait "EXIT=0" &&
	test_grep ! "y/N" screen &&
	tty_finish &&
	test_path_is_missing "$(repo_dir org/alpha)"
'

test_expect_success '--json never prompts' '
	setup &&
	tty_run --json rm org/alpha &&
	tty_wait "EXIT=0" &&
	test_grep ! "y/N" screen &&
	tty_finish &&
	test_path_is_missing "$(repo_dir org/alpha)"
'

for s in "$TRASH"/tmux.*.sock; do
	test -S "$s" && tmux -S "$s" kill-server 2>/dev/null
done
test_expect_success 'several targets: planned first, asked once' '
	setup &&
	make_model org/beta c1 && make_model org/beta c2 && make_model org/gamma &&
	tty_run rm org/alpha org/beta@c1 org/gamma &&
	tty_wait "Delete 3 targets, .* \[y/N\]" &&
	test_grep "^Model:      org/alpha (entire model)" screen &&
	test_grep "^Model:      org/beta, revision c1" screen &&
	test_grep "^Model:      org/gamma (entire model)" screen &&
	test $(grep -c "\[y/N\]" screen) = 1 &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	test_grep "Deleted entire model org/alpha" screen &&
	test_grep "Deleted org/beta@c1" screen &&
	tty_finish &&
	test_path_is_missing "$(repo_dir org/alpha)" &&
	test_path_is_missing "$(repo_dir org/gamma)" &&
	test_path_is_missing "$(repo_dir org/beta)/snapshots/c1" &&
	test_path_is_dir "$(repo_dir org/beta)/snapshots/c2"
'

test_expect_success 'several targets: no keeps all of them, exit 1' '
	setup &&
	make_model org/gamma &&
	tty_run rm org/alpha org/gamma &&
	tty_wait "Delete 2 targets" &&
	tty_keys n Enter &&
	tty_wait "EXIT=1" &&
	test_grep "Cancelled: nothing was deleted" screen &&
	tty_finish &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots" &&
	test_path_is_dir "$(repo_dir org/gamma)/snapshots"
'

test_done
