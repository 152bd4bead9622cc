#!/bin/bash
# mlxk clean-locks --datasets and --local-dir: every lock shape of the
# datasets cache (2.x and 3.x/4.x) and of hf download --local-dir folders,
# held locks taken by datasets' FileLock in another process, hostile shapes.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/datasets.sh"
export MLXK_LOCK_GRACE_MS=50

count_locks() {
	find "$1" -name "*.lock" | wc -l | tr -d " "
}

test_expect_success 'datasets 2.x: every lock shape goes, no data file does' '
	make_datasets v2 &&
	find "$DS" "$HF_HOME/modules" ! -name "*.lock" | sort >before &&
	test "$(count_locks "$DS")" = 21 &&
	mlxk clean-locks --datasets --force -v >out &&
	dl=$(ds_name dl_text) &&
	test_grep "^removed downloads/$dl.lock$" out &&
	test_grep "^removed downloads/$(ds_name dl_partial).lock$" out &&
	test_grep "^removed downloads/$(ds_name dl_script).lock$" out &&
	test_grep "^removed downloads/extracted/$(ds_name ex_archive).lock$" out &&
	test_grep "^removed org___text-ds/default/0.0.0/$(ds_name commit_text)_builder.lock$" out &&
	test_grep "^removed org___text-ds/default/0.0.0/$(ds_name commit_text).incomplete_info.lock$" out &&
	test_grep "^removed _.*_org___text-ds_default_0.0.0_$(ds_name commit_text).lock$" out &&
	test_grep "^removed csv/user--legacy-[0-9a-f]*/0.0.0/[0-9a-f]*_builder.lock$" out &&
	test_grep "^removed $HF_HOME/modules/datasets_modules/datasets/org--script-ds.lock$" out &&
	grep "^removed _.*\.\.\.-\{0,1\}[0-9]*\.lock$" out >long &&
	test_line_count = 3 long &&
	test_grep "^Removed 22 lock files in 8 folders$" out &&
	test "$(count_locks "$DS")" = 0 &&
	test_path_is_missing "$HF_HOME/modules/datasets_modules/datasets/org--script-ds.lock" &&
	find "$DS" "$HF_HOME/modules" ! -name "*.lock" | sort >after &&
	test_cmp before after
'

test_expect_success 'datasets 3.x/4.x: the hub cache is not --datasets'"'"' business' '
	rm -rf "$HF_HOME" && make_datasets v4 &&
	mlxk --json clean-locks --datasets --force >out.json &&
	json_check out.json "d[\"data\"][\"removed\"] == 19" &&
	json_check out.json "d[\"data\"][\"roots\"] == [\"$DS\"]" &&
	test "$(count_locks "$DS")" = 0 &&
	test "$(count_locks "$CACHE/.locks")" = 2
'

test_expect_success 'recency is by mtime: a restored (ctime-new) lock goes, a used one stays' '
	rm -rf "$HF_HOME" && make_datasets v2 &&
	touch "$(ds_name downloads)/$(ds_name dl_gz).lock" &&
	mlxk clean-locks --datasets --force -v >out &&
	test_grep "^kept    downloads/$(ds_name dl_gz).lock (used recently)$" out &&
	test_grep "^Removed 21 lock files in 8 folders$" out &&
	test_grep "^Kept 1: 1 used recently$" out
'

test_expect_success 'locks held through datasets'"'"' FileLock stay held, also hashed long names' '
	rm -rf "$HF_HOME" && make_datasets v2 &&
	b="$(ds_name build_text)_builder.lock" &&
	d="$(ds_name downloads)/$(ds_name dl_text).lock" &&
	long="$DS/$(printf "_%0280d" 0).lock" &&
	hold_ds_lock "$b" "$d" "$long" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	held_long=$(sed -n 3p ds-held) &&
	mlxk clean-locks --datasets --force --older-than 0 -v >out &&
	test_expect_code 1 flock -n "$b" true &&
	test_expect_code 1 flock -n "$d" true &&
	test_expect_code 1 flock -n "$held_long" true &&
	test_grep "^kept    org___text-ds/default/0.0.0/$(ds_name commit_text)_builder.lock (held by a running process)$" out &&
	test_grep "^kept    downloads/$(ds_name dl_text).lock (held by a running process)$" out &&
	test_grep "^kept    $(basename "$held_long") (held by a running process)$" out &&
	test_grep "^Kept 3: 3 held by a running process$" out
'

test_expect_success 'hostile shapes: links out of the cache, FIFOs, a linked folder' '
	rm -rf "$HF_HOME" outside && make_datasets v2 &&
	mkdir -p outside/extracted && : >outside/victim.lock && : >outside/extracted/x.lock &&
	backdate outside/victim.lock 86400 && backdate outside/extracted/x.lock 86400 &&
	ln -s "$TRASH/outside/victim.lock" "$DS/downloads/evil.lock" &&
	mkfifo "$DS/downloads/fifo.lock" &&
	ln -s "$TRASH/outside" "$DS/org___linked" &&
	mkdir -p "$DS/org___x/default" && ln -s "$TRASH/outside" "$DS/org___x/default/0.0.0" &&
	mlxk clean-locks --datasets --force -v >out &&
	test_path_is_file outside/victim.lock &&
	test_path_is_file outside/extracted/x.lock &&
	test -L "$DS/downloads/evil.lock" && test -p "$DS/downloads/fifo.lock" &&
	test_grep "^kept    downloads/evil.lock (not a regular file)$" out &&
	test_grep "^kept    downloads/fifo.lock (not a regular file)$" out &&
	test_grep "^kept    org___x/default/0.0.0 (a link; not entered)$" out &&
	test_grep "^kept    org___linked (a link; not entered)$" out &&
	test_grep ! "outside" out
'

nobody_ok() {
	test "$(id -u)" = 0 && command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$TRASH"
}

test_expect_success_if nobody_ok 'as another user: unreadable folders and foreign locks stay' '
	rm -rf "$HF_HOME" && make_datasets v2 &&
	chmod -R a+rX "$HF_HOME" && chmod a+x "$TRASH" &&
	chmod 700 "$DS/org___crashed-ds/default" &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$MLXK_BIN" --datasets-dir "$DS" clean-locks --datasets --force -v >out &&
	test_grep "^kept    org___crashed-ds/default/ (cannot read the folder; its lock files stay)$" out &&
	test_grep "^kept    downloads/$(ds_name dl_text).lock (no permission; owned by root)$" out &&
	test_grep "^Could not read 1 folder: their lock files stay$" out &&
	test_grep "^Removed 0 lock files" out &&
	test "$(count_locks "$DS")" = 21
'

test_expect_success 'where the datasets cache is: env order, ~ expanded, $VAR not' '
	rm -rf "$HF_HOME" &&
	(
		unset HF_DATASETS_CACHE &&
		mlxk --json clean-locks --datasets --dry-run >a.json &&
		json_check a.json "d[\"data\"][\"roots\"] == [\"$HF_HOME/datasets\"]" &&
		unset HF_HOME && export XDG_CACHE_HOME="$TRASH/xdg" &&
		mlxk --json clean-locks --datasets --dry-run >b.json &&
		json_check b.json "d[\"data\"][\"roots\"] == [\"$TRASH/xdg/huggingface/datasets\"]" &&
		unset XDG_CACHE_HOME &&
		mlxk --json clean-locks --datasets --dry-run >c.json &&
		json_check c.json "d[\"data\"][\"roots\"] == [\"$HOME/.cache/huggingface/datasets\"]" &&
		HF_DATASETS_CACHE="~/dsc" mlxk --json clean-locks --datasets --dry-run >d.json &&
		json_check d.json "d[\"data\"][\"roots\"] == [\"$HOME/dsc\"]" &&
		HF_DATASETS_CACHE="\$HOME/dsc" mlxk --json clean-locks --datasets --dry-run >e.json &&
		json_check e.json "d[\"data\"][\"roots\"] == [\"$TRASH/\$HOME/dsc\"]" &&
		HF_DATASETS_CACHE=/nowhere mlxk --json --datasets-dir "$TRASH/over" clean-locks --datasets --dry-run >f.json &&
		json_check f.json "d[\"data\"][\"roots\"] == [\"$TRASH/over\"]" &&
		mlxk --json clean-locks --datasets --dry-run --datasets-dir=x >g.json &&
		json_check g.json "d[\"data\"][\"roots\"] == [\"$TRASH/x\"]"
	)
'

test_expect_success 'local-dir: download/, upload/ and .gitignore.lock; files stay' '
	make_local_dir ld &&
	find ld ! -name "*.lock" | sort >before &&
	hold_ds_lock ld/.cache/huggingface/download/model.safetensors.lock &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk clean-locks --local-dir ld --force --older-than 0 -v >out &&
	test_grep "^removed ld/.cache/huggingface/.gitignore.lock$" out &&
	test_grep "^removed ld/.cache/huggingface/download/config.json.lock$" out &&
	test_grep "^removed ld/.cache/huggingface/download/sub/tokenizer.json.lock$" out &&
	test_grep "^removed ld/.cache/huggingface/download/gone.bin.lock$" out &&
	test_grep "^removed ld/.cache/huggingface/upload/big.bin.lock$" out &&
	test_grep "^kept    ld/.cache/huggingface/download/model.safetensors.lock (held by a running process)$" out &&
	test_grep "^Removed 5 lock files in 4 folders$" out &&
	test_path_is_file ld/.cache/huggingface/download/model.safetensors.lock &&
	find ld ! -name "*.lock" | sort >after &&
	test_cmp before after
'

test_expect_success 'local-dir: a folder that is not one, bad options' '
	mkdir plain &&
	test_expect_code 1 mlxk clean-locks --local-dir plain --force 2>err &&
	test_grep "^mlxk: error: .plain. has no .cache/huggingface folder" err &&
	test_line_count = 1 err &&
	test_expect_code 2 mlxk clean-locks --datasets --all 2>err &&
	test_grep "^mlxk: error: --all is for the hub cache" err &&
	test_expect_code 2 mlxk clean-locks --datasets --datasets-dir 2>err &&
	test_grep "needs a directory" err
'

test_done
