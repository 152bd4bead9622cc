#!/bin/bash
# mlxk prune --datasets: crash leftovers under their own locks, age-based
# removal of downloads and extractions (#6614) that respects running builds
# and datasets that refer to their files by path.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/datasets.sh"
export MLXK_LOCK_GRACE_MS=50

names() {
	DL=$(ds_name downloads) && EX=$(ds_name extracted) &&
	TXT=$(ds_name build_text) && CR=$(ds_name build_crashed)
}

setup() {
	rm -rf "$HF_HOME" && make_datasets "${1:-v2}" && names
}

test_expect_success 'dry run: every crash leftover is listed, nothing changes' '
	setup &&
	find "$HF_HOME" | sort >before &&
	mlxk prune --datasets --dry-run >out &&
	test_grep "would remove incomplete_download  *downloads/$(ds_name dl_partial).incomplete (3.0KB)$" out &&
	test_grep "would remove incomplete_build  *org___crashed-ds/default/0.0.0/$(basename "$CR").incomplete (706B)$" out &&
	test_grep "would remove tmp_file  *org___text-ds/default/0.0.0/$(ds_name commit_text)/tmp8xk2p_q1" out &&
	test_grep "would remove orphan_json  *downloads/$(ds_name dl_orphan_json).json" out &&
	test_grep "^Would remove 4 items: .*, 5 inodes; 0 kept$" out &&
	test_grep ! old_download out &&
	find "$HF_HOME" | sort >after &&
	test_cmp before after
'

test_expect_success 'without a terminal it deletes only with --force' '
	names &&
	test_expect_code 2 mlxk prune --datasets </dev/null 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: not deleting 4 items (.*) without a terminal to ask; review with --dry-run, then run with --force$" err &&
	test_path_is_file "$DL/$(ds_name dl_partial).incomplete"
'

test_expect_success '--force removes them and reports bytes and inodes' '
	names &&
	mlxk --json prune --datasets --force >out.json &&
	json_check out.json "d[\"data\"][\"removed\"] == 4" &&
	json_check out.json "d[\"data\"][\"inodes_freed\"] == 5" &&
	json_check out.json "d[\"data\"][\"bytes_freed\"] == sum(i[\"bytes\"] for i in d[\"data\"][\"areas\"][0][\"items\"] if i[\"state\"] == \"removed\") >= 3000 + 706 + 306" &&
	test_path_is_missing "$DL/$(ds_name dl_partial).incomplete" &&
	test_path_is_missing "$CR.incomplete" &&
	test_path_is_missing "$TXT/tmp8xk2p_q1" &&
	test_path_is_missing "$DL/$(ds_name dl_orphan_json).json" &&
	test_path_is_file "$TXT/text-ds-train.arrow" &&
	test_path_is_file "$TXT/dataset_info.json" &&
	test_path_is_file "$DL/$(ds_name dl_text)" &&
	test_path_is_dir "$EX/$(ds_name ex_archive)" &&
	test_path_is_file "$DL/$(ds_name dl_partial).lock"
'

test_expect_success 'held locks (datasets'"'"' FileLock, another process) keep what they guard' '
	setup &&
	hold_ds_lock "$DL/$(ds_name dl_partial).lock" "${CR}_builder.lock" "${TXT}_builder.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk --json prune --datasets --force >out.json &&
	test_path_is_file "$DL/$(ds_name dl_partial).incomplete" &&
	test_path_is_dir "$CR.incomplete" &&
	test_path_is_file "$TXT/tmp8xk2p_q1" &&
	test_path_is_missing "$DL/$(ds_name dl_orphan_json).json" &&
	json_check out.json "d[\"data\"][\"removed\"] == 1" &&
	json_check out.json "set(i[\"reason\"] for i in d[\"data\"][\"areas\"][0][\"items\"] if i[\"state\"] == \"kept\") == {\"download in progress (lock held)\", \"build in progress (builder lock held)\", \"org___text-ds/default/0.0.0/$(basename "$TXT")_builder.lock is held\"}"
'

test_expect_success 'a recent tmp file of a running map() stays' '
	setup &&
	touch "$TXT/tmp8xk2p_q1" &&
	mlxk prune --datasets --force >out &&
	test_grep "kept  *tmp_file .*tmp8xk2p_q1 (written recently)" out &&
	test_path_is_file "$TXT/tmp8xk2p_q1"
'

test_expect_success '--older-than: old downloads go, what a built dataset uses stays' '
	setup &&
	touch "$DL/$(ds_name dl_archive)" &&
	mlxk --json prune --datasets --older-than 1d --force >out.json &&
	test_path_is_missing "$DL/$(ds_name dl_text)" &&
	test_path_is_missing "$DL/$(ds_name dl_text).json" &&
	test_path_is_missing "$DL/$(ds_name dl_gz)" &&
	test_path_is_missing "$EX/$(ds_name ex_gz)" &&
	test_path_is_file "$DL/$(ds_name dl_archive)" &&
	test_path_is_file "$EX/$(ds_name ex_archive)/images/cat.png" &&
	test_path_is_file "$DL/$(ds_name dl_text).lock" &&
	json_check out.json "[i[\"reason\"] for i in d[\"data\"][\"areas\"][0][\"items\"] if i[\"path\"] == \"downloads/extracted/$(ds_name ex_archive)\"] == [\"a built dataset uses it by path (imagefolder/$(basename "$(dirname "$(dirname "$(ds_name build_img)")")")/0.0.0/$(basename "$(ds_name build_img)"))\"]" &&
	json_check out.json "[i[\"reason\"] for i in d[\"data\"][\"areas\"][0][\"items\"] if i[\"path\"] == \"downloads/$(ds_name dl_archive)\"] == [\"used recently\"]"
'

test_expect_success 'a held builder lock anywhere blocks age-based pruning' '
	setup &&
	hold_ds_lock "$(ds_name build_legacy)_builder.lock" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk --json prune --datasets --older-than 1d --force >out.json &&
	test_path_is_file "$DL/$(ds_name dl_text)" &&
	test_path_is_file "$EX/$(ds_name ex_gz)" &&
	test_path_is_missing "$DL/$(ds_name dl_partial).incomplete" &&
	json_check out.json "d[\"data\"][\"areas\"][0][\"blocked\"].endswith(\"_builder.lock\")" &&
	json_check out.json "all(i[\"reason\"].startswith(\"a datasets build is running\") for i in d[\"data\"][\"areas\"][0][\"items\"] if i[\"kind\"].startswith(\"old_\"))"
'

test_expect_success 'a dataset whose paths cannot be checked keeps every old download' '
	setup &&
	chmod 000 "$(ds_name build_img)/imagefolder-train.arrow" &&
	echo "{broken" >"$(ds_name build_legacy)/dataset_info.json" &&
	mlxk --json prune --datasets --older-than 1d --force >out.json &&
	chmod 644 "$(ds_name build_img)/imagefolder-train.arrow" &&
	test_path_is_file "$DL/$(ds_name dl_text)" &&
	json_check out.json "all(i[\"reason\"].startswith(\"cannot check what \") for i in d[\"data\"][\"areas\"][0][\"items\"] if i[\"kind\"].startswith(\"old_\"))"
'

test_expect_success 'hostile shapes: links out of the cache and FIFOs are never touched' '
	setup && rm -rf outside &&
	mkdir -p outside/dir && echo keep >outside/file && echo keep >outside/dir/f &&
	h=$(printf %064d 7) &&
	ln -s "$TRASH/outside/file" "$DL/$h" &&
	ln -s "$TRASH/outside/file" "$DL/$h.incomplete" &&
	ln -s "$TRASH/outside/dir" "$EX/$h" &&
	mkfifo "$DL/$(printf %064d 8).incomplete" &&
	ln -s "$TRASH/outside/dir" "$TXT/tmpabcdefgh" &&
	mkdir -p "$DS/org___evil/default" && ln -s "$TRASH/outside" "$DS/org___evil/default/0.0.0" &&
	timeout 20 "$MLXK_BIN" prune --datasets --older-than 0 --force >out &&
	test_path_is_file outside/file && test_path_is_file outside/dir/f &&
	test -L "$DL/$h" && test -L "$DL/$h.incomplete" && test -L "$EX/$h" &&
	test -p "$DL/$(printf %064d 8).incomplete" && test -L "$TXT/tmpabcdefgh" &&
	test_grep ! "outside" out
'

test_expect_success 'datasets 3.x/4.x: the hub cache holds the Hub files; prune leaves it' '
	setup v4 &&
	find "$CACHE" | sort >before &&
	mlxk prune --datasets --older-than 0 --force >out &&
	find "$CACHE" | sort >after &&
	test_cmp before after &&
	test_path_is_missing "$DL/$(ds_name dl_gz)" &&
	test_path_is_missing "$CR.incomplete"
'

test_done
