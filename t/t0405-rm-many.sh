#!/bin/bash
# rm A B@rev C: every target resolved and planned before anything goes.
. "$(dirname "$0")/test-lib.sh"
export MLXK_LOCK_GRACE_MS=50

setup() {
	rm -rf "$CACHE"
	make_model org/a && make_model org/b c1 && make_model org/b c2 && make_model org/c
}

test_expect_success 'several targets go together' '
	setup &&
	mlxk rm org/a org/b@c1 org/c >out &&
	test_grep "^Deleted entire model org/a " out &&
	test_grep "^Deleted org/b@c1 " out &&
	test_grep "^Deleted entire model org/c " out &&
	test_path_is_missing "$(repo_dir org/a)" &&
	test_path_is_missing "$(repo_dir org/c)" &&
	test_path_is_missing "$(repo_dir org/b)/snapshots/c1" &&
	test_path_is_dir "$(repo_dir org/b)/snapshots/c2"
'

test_expect_success 'one target that does not resolve: nothing is deleted' '
	setup &&
	test_expect_code 1 mlxk rm org/a org/nope org/c 2>err &&
	test_grep "^mlxk: error: no model found matching .org/nope. in the cache .*; get it with .mlxk pull org/nope.$" err &&
	test_path_is_dir "$(repo_dir org/a)/snapshots" &&
	test_path_is_dir "$(repo_dir org/c)/snapshots"
'

test_expect_success 'a held lock in one target stops all of them' '
	setup &&
	D=$(repo_dir org/c) && L="$CACHE/.locks/models--org--c" && mkdir -p "$L" &&
	b=$(ls "$D/blobs" | head -1) && touch "$L/$b.lock" &&
	hold_flock "$L/$b.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	test_expect_code 1 mlxk rm org/a org/c 2>err &&
	test_grep "org/c has a download in progress" err &&
	test_path_is_dir "$(repo_dir org/a)/snapshots"
'

test_expect_success 'a model and its revision, or a name twice, go once' '
	setup &&
	mlxk rm org/b@c1 org/b org/a org/a >out &&
	test_line_count = 2 out &&
	test_path_is_missing "$(repo_dir org/b)" &&
	test_path_is_missing "$(repo_dir org/a)"
'

test_expect_success '--dry-run: every plan and one total, nothing changes' '
	setup &&
	mlxk rm org/a org/b@c1 --dry-run >out &&
	test_grep "^Model:      org/a (entire model)" out &&
	test_grep "^Model:      org/b, revision c1" out &&
	test_grep "^Would delete 2 targets, " out &&
	test_path_is_dir "$(repo_dir org/a)/snapshots"
'

test_expect_success '--json: one envelope with every target' '
	setup &&
	mlxk --json rm org/a org/c --dry-run >out &&
	json_check out "d[\"command\"] == \"rm\" and d[\"data\"][\"action\"] == \"dry_run\"" &&
	json_check out "[t[\"model\"] for t in d[\"data\"][\"targets\"]] == [\"org/a\", \"org/c\"]" &&
	mlxk --json rm org/a org/c >out &&
	json_check out "d[\"status\"] == \"success\" and d[\"data\"][\"action\"] == \"deleted\"" &&
	json_check out "d[\"data\"][\"bytes_freed\"] == sum(t[\"bytes_freed\"] for t in d[\"data\"][\"targets\"]) > 0" &&
	test_path_is_missing "$(repo_dir org/a)"
'

test_expect_success 'a guessed name among several is refused without a terminal' '
	setup &&
	test_expect_code 2 mlxk rm org/a b@c2 </dev/null 2>err &&
	test_grep "not deleting org/b, guessed from .b@c2., without a terminal to ask; .*--force" err &&
	test_path_is_dir "$(repo_dir org/a)/snapshots"
'

test_done
