#!/bin/bash
# One rule for every deleting command when nobody can be asked (stdin not a
# terminal, or --json): it goes ahead only when the command line settles
# what goes (--force, a dry run, nothing to delete, exact rm names, lock
# files only); otherwise one line naming --force and exit 2, nothing
# deleted. On a real terminal (tmux) each one asks: no exits 1, yes deletes.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/datasets.sh"
. "$TEST_DIRECTORY/lib/tty.sh"

export MLXK_LOCK_GRACE_MS=50
M=.cache/huggingface

# garbage: an orphan blob old enough for prune, and an idle lock file.
garbage() {
	rm -rf "$CACHE" &&
	make_model org/alpha &&
	D=$(repo_dir org/alpha) &&
	O=$(printf orphan | sha256sum | cut -d" " -f1) &&
	head -c 2000 /dev/zero >"$D/blobs/$O" &&
	backdate "$D/blobs/$O" 7200 &&
	mkdir -p "$CACHE/.locks/models--org--alpha" &&
	touch "$CACHE/.locks/models--org--alpha/a.lock" &&
	backdate "$CACHE/.locks/models--org--alpha/a.lock" 7200
}

# refused CODE-LINE-FILE: the one-line refusal.
refused() {
	test_line_count = 1 "$1" &&
	test_grep "^mlxk: error: not deleting .* without a terminal to ask; .*--force" "$1"
}

test_expect_success 'no terminal: rm of an exact name proceeds (as MLX-Knife)' '
	garbage &&
	mlxk rm org/alpha </dev/null >out 2>err &&
	test_path_is_missing "$D"
'

test_expect_success 'no terminal: rm of a guessed name is refused, exit 2' '
	garbage &&
	test_expect_code 2 mlxk rm alph </dev/null >out 2>err &&
	refused err &&
	test_path_is_dir "$D/snapshots" &&
	test_expect_code 2 mlxk rm org/alpha alph </dev/null >out 2>err &&
	refused err &&
	test_path_is_dir "$D/snapshots" &&
	mlxk rm alph --dry-run </dev/null >out &&
	test_grep "^Would delete entire model org/alpha" out &&
	mlxk rm alph --force </dev/null >out &&
	test_path_is_missing "$D"
'

test_expect_success 'no terminal, --json: a guessed rm answers requires_confirmation (MLX-Knife), nothing goes' '
	garbage &&
	mlxk --json rm alph </dev/null >j &&
	json_check j "d[\"status\"] == \"success\" and d[\"data\"][\"action\"] == \"requires_confirmation\"" &&
	test_path_is_dir "$D/snapshots"
'

test_expect_success 'no terminal: prune is refused, exit 2; --dry-run and --force work' '
	garbage &&
	test_expect_code 2 mlxk prune </dev/null >out 2>err &&
	refused err &&
	test_path_is_file "$D/blobs/$O" &&
	test_expect_code 2 mlxk --json prune </dev/null >j &&
	json_check j "d[\"error\"][\"type\"] == \"requires_confirmation\"" &&
	mlxk prune --dry-run </dev/null >out &&
	test_path_is_file "$D/blobs/$O" &&
	mlxk prune --force </dev/null >out &&
	test_path_is_missing "$D/blobs/$O"
'

test_expect_success 'no terminal: prune with only lock folders of gone repos (no data) proceeds' '
	garbage && rm -f "$D/blobs/$O" &&
	mkdir -p "$CACHE/.locks/models--gone--x" &&
	touch "$CACHE/.locks/models--gone--x/b.lock" &&
	mlxk prune </dev/null >out 2>err &&
	test_path_is_missing "$CACHE/.locks/models--gone--x"
'

test_expect_success 'no terminal: nothing to delete is no refusal' '
	garbage && rm -f "$D/blobs/$O" &&
	mlxk prune </dev/null >out 2>err &&
	test_grep "^Nothing to prune$" out
'

test_expect_success 'no terminal: clean-locks (lock files only) proceeds' '
	garbage &&
	mlxk clean-locks --all </dev/null >out 2>err &&
	test_path_is_missing "$CACHE/.locks/models--org--alpha/a.lock"
'

test_expect_success 'no terminal: clean-locks --datasets and --local-dir proceed' '
	make_datasets v4 && make_local_dir ld &&
	mlxk clean-locks --datasets --local-dir ld --older-than 0 </dev/null >out 2>err &&
	test "$(find "$DS" ld/$M/download -name "*.lock" | wc -l)" = 0
'

test_expect_success 'no terminal: prune --datasets, --local-dir and --xet are refused, exit 2' '
	rm -rf "$HF_HOME" ld && make_datasets v2 && make_local_dir ld && make_xet "$HF_HOME/xet" &&
	find "$HF_HOME" ld | sort >before &&
	for a in --datasets "--local-dir ld" --xet; do
		test_expect_code 2 mlxk prune $a </dev/null >out 2>err &&
		refused err &&
		test_expect_code 2 mlxk --json prune $a </dev/null >j &&
		json_check j "d[\"error\"][\"type\"] == \"requires_confirmation\"" &&
		mlxk prune $a --dry-run </dev/null >out || return 1
	done &&
	find "$HF_HOME" ld | sort >after &&
	test_cmp before after &&
	mlxk prune --datasets --local-dir ld --xet --force </dev/null >out &&
	test_grep "^Removed " out
'

# On a terminal every command asks; n exits 1 and keeps, y deletes.
test_expect_success 'terminal: rm, prune and clean-locks ask; n exits 1' '
	garbage &&
	for c in "rm org/alpha" "rm alph" prune "clean-locks --all --older-than 0"; do
		tty_run $c &&
		tty_wait "\[y/N\]" &&
		tty_keys n Enter &&
		tty_wait "EXIT=1" || return 1
	done &&
	tty_finish &&
	test_path_is_file "$D/blobs/$O" &&
	test_path_is_file "$CACHE/.locks/models--org--alpha/a.lock"
'

test_expect_success 'terminal: prune with only lock folders of gone repos asks too' '
	garbage && rm -f "$D/blobs/$O" &&
	mkdir -p "$CACHE/.locks/models--gone--x" &&
	touch "$CACHE/.locks/models--gone--x/b.lock" &&
	tty_run prune &&
	tty_wait "Delete 1 item .*\[y/N\]" &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	tty_finish &&
	test_path_is_missing "$CACHE/.locks/models--gone--x"
'

test_expect_success 'terminal: prune --datasets, --local-dir and --xet ask; n keeps, y removes' '
	rm -rf "$HF_HOME" ld && make_datasets v2 && make_local_dir ld && make_xet "$HF_HOME/xet" &&
	find "$HF_HOME" ld | sort >before &&
	for a in --datasets "--local-dir $TRASH/ld" --xet; do
		tty_run prune $a &&
		tty_wait "Remove them? \[y/N\]" &&
		tty_keys n Enter &&
		tty_wait "EXIT=1" || return 1
	done &&
	find "$HF_HOME" ld | sort >after &&
	test_cmp before after &&
	for a in --datasets "--local-dir $TRASH/ld" --xet; do
		tty_run prune $a &&
		tty_wait "Remove them? \[y/N\]" &&
		tty_keys y Enter &&
		tty_wait "EXIT=0" || return 1
	done &&
	tty_finish &&
	test "$(find ld -name "*.incomplete" | wc -l)" = 0
'

test_expect_success 'terminal: clean-locks --local-dir asks; y removes' '
	rm -rf ld && make_local_dir ld &&
	tty_run clean-locks --local-dir "$TRASH/ld" --older-than 0 &&
	tty_wait "Remove them? \[y/N\]" &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	tty_finish &&
	test "$(find ld/$M/download -name "*.lock" | wc -l)" = 0
'

test_expect_success 'terminal: --force and --dry-run never ask' '
	garbage &&
	tty_run prune --dry-run &&
	tty_wait "EXIT=0" &&
	test_grep ! "y/N" screen &&
	tty_run prune --force &&
	tty_wait "EXIT=0" &&
	test_grep ! "y/N" screen &&
	tty_finish &&
	test_path_is_missing "$D/blobs/$O"
'

for s in "$TRASH"/tmux.*.sock; do
	test -S "$s" && tmux -S "$s" kill-server 2>/dev/null
done
test_done
