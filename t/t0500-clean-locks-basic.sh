#!/bin/bash
# mlxk clean-locks: scope, guards, dry runs, reports.
. "$(dirname "$0")/test-lib.sh"
export MLXK_LOCK_GRACE_MS=50

L="$CACHE/.locks"

setup() {
	rm -rf "$CACHE"
	make_model org/mlxmodel
	make_model org/ptmodel "" pytorch
	mkdir -p "$L/models--org--mlxmodel" "$L/models--org--ptmodel" \
		"$L/models--mlx-community--gone" "$L/models--org--gone" \
		"$L/datasets--org--data" "$L/spaces--org--app" "$L/kernels--org--k"
	for d in "$L"/*; do touch "$d/aaaa.lock" "$d/bbbb.lock"; done
}

snapshot_tree() {
	(cd "$CACHE" && find . -exec stat -c '%n %F %s %Y %Z %i %h %a %U' {} + | sort)
}

test_expect_success 'default scope: lock folders of MLX models only' '
	setup &&
	mlxk clean-locks --older-than 0 >out &&
	test_grep "^Removed 4 lock files in 2 folders (1 empty folder removed)$" out &&
	test_path_is_dir "$L/models--org--mlxmodel" &&
	test "$(ls -A "$L/models--org--mlxmodel" | wc -l)" = 0 &&
	test_path_is_missing "$L/models--mlx-community--gone" &&
	test_path_is_file "$L/models--org--ptmodel/aaaa.lock" &&
	test_path_is_file "$L/models--org--gone/aaaa.lock" &&
	test_path_is_file "$L/datasets--org--data/aaaa.lock"
'

test_expect_success '--all: every lock folder and legacy blobs/*.lock' '
	setup &&
	D=$(repo_dir org/ptmodel) &&
	touch "$D/blobs/cccc.lock" &&
	mkdir -p "$CACHE/datasets--org--data/blobs" &&
	touch "$CACHE/datasets--org--data/blobs/dddd.lock" &&
	mlxk clean-locks --all --older-than 0 -v >out &&
	test_grep "^Removed 16 lock files in 9 folders (4 empty folders removed)$" out &&
	test_grep "^removed .locks/kernels--org--k/aaaa.lock$" out &&
	test_grep "^removed models--org--ptmodel/blobs/cccc.lock$" out &&
	test_path_is_missing "$D/blobs/cccc.lock" &&
	test_path_is_dir "$D/blobs" &&
	test "$(ls -A "$L" | tr "\n" " ")" = "datasets--org--data models--org--mlxmodel models--org--ptmodel " &&
	test "$(ls "$D/blobs" | wc -l)" = 2
'

test_expect_success 'recently used lock files stay (default 10m)' '
	setup &&
	mlxk clean-locks --all >out &&
	test_grep "^Removed 0 lock files in 7 folders$" out &&
	test_grep "^Kept 14: 14 used recently$" out &&
	test_path_is_file "$L/models--org--mlxmodel/aaaa.lock"
'

test_expect_success 'recency is mtime only: a cron chmod (new ctime) is not use' '
	setup &&
	find "$L" -name "*.lock" -exec touch -m -d "3 hours ago" {} + &&
	touch -m -d "1 minute ago" "$L/models--org--mlxmodel/aaaa.lock" &&
	chmod -R g+rwxs "$L" &&
	test "$(stat -c %Z "$L/models--org--ptmodel/aaaa.lock")" -ge "$(($(date +%s) - 60))" &&
	mlxk clean-locks --all --force -v >out &&
	test_grep "^kept    .locks/models--org--mlxmodel/aaaa.lock (used recently)$" out &&
	test_grep "^Removed 13 lock files in 7 folders" out &&
	test_path_is_missing "$L/models--org--ptmodel/aaaa.lock" &&
	test_path_is_file "$L/models--org--mlxmodel/aaaa.lock"
'

test_expect_success 'a lock whose download is in progress stays' '
	setup &&
	D=$(repo_dir org/mlxmodel) &&
	: >"$D/blobs/aaaa.incomplete" &&
	: >"$D/blobs/bbbb.0123abcd.incomplete" &&
	mlxk clean-locks --older-than 0 -v >out &&
	test_grep "^kept    .locks/models--org--mlxmodel/aaaa.lock (download in progress)$" out &&
	test_grep "^kept    .locks/models--org--mlxmodel/bbbb.lock (download in progress)$" out &&
	test_path_is_file "$L/models--org--mlxmodel/aaaa.lock"
'

test_expect_success 'soft locks stay unless their owner is provably dead' '
	setup &&
	printf "%s\n%s\n" $$ "$(hostname)" >"$L/models--org--mlxmodel/aaaa.lock" &&
	printf "2147483000\n%s\n" "$(hostname)" >"$L/models--org--mlxmodel/bbbb.lock" &&
	printf "2147483000\nsome-other-host\n" >"$L/models--mlx-community--gone/aaaa.lock" &&
	mlxk clean-locks --older-than 0 -v >out &&
	test_grep "^kept    .locks/models--org--mlxmodel/aaaa.lock (soft lock" out &&
	test_grep "^removed .locks/models--org--mlxmodel/bbbb.lock$" out &&
	test_grep "^kept    .locks/models--mlx-community--gone/aaaa.lock (soft lock" out &&
	test_path_is_file "$L/models--org--mlxmodel/aaaa.lock" &&
	test_path_is_missing "$L/models--org--mlxmodel/bbbb.lock"
'

test_expect_success '--dry-run reports the same and changes nothing' '
	setup &&
	snapshot_tree >before &&
	mlxk clean-locks --all --dry-run --older-than 0 >out &&
	snapshot_tree >after &&
	test_cmp before after &&
	test_grep "^Would remove 14 lock files in 7 folders (5 empty folders would go)$" out
'

test_expect_success 'JSON report' '
	setup &&
	printf "%s\n%s\n" $$ "$(hostname)" >"$L/models--org--mlxmodel/aaaa.lock" &&
	mlxk --json clean-locks --older-than 0 >out &&
	json_check out "d[\"status\"] == \"success\" and d[\"command\"] == \"clean-locks\" and d[\"error\"] is None" &&
	json_check out "d[\"data\"][\"scope\"] == \"mlx\" and d[\"data\"][\"dry_run\"] is False" &&
	json_check out "d[\"data\"][\"removed\"] == 3 and d[\"data\"][\"kept\"] == 1" &&
	json_check out "d[\"data\"][\"kept_by_reason\"][\"soft_lock\"] == 1" &&
	json_check out "d[\"data\"][\"folders_scanned\"] == 2 and d[\"data\"][\"folders_removed\"] == 1" &&
	json_check out "d[\"data\"][\"older_than_seconds\"] == 0 and d[\"data\"][\"grace_ms\"] == 50" &&
	json_check out "\"files\" not in d[\"data\"]" &&
	mlxk clean-locks --json -v --older-than 0 >out &&
	json_check out "d[\"data\"][\"files\"] == [{\"path\": \".locks/models--org--mlxmodel/aaaa.lock\", \"fate\": \"soft_lock\", \"owner\": \"root\"}]"
'

test_expect_success 'no cache, no .locks: nothing to do' '
	rm -rf "$CACHE" &&
	mlxk clean-locks >out &&
	test_grep "^Removed 0 lock files in 0 folders$" out &&
	make_model org/x &&
	mlxk clean-locks --all >out &&
	test_grep "^Removed 0 lock files in 0 folders$" out
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 mlxk clean-locks --older-than soon 2>err &&
	test_grep "invalid duration" err &&
	test_expect_code 2 mlxk clean-locks extra 2>err &&
	test_expect_code 2 mlxk --json clean-locks --frob >out &&
	json_check out "d[\"status\"] == \"error\""
'

test_done
