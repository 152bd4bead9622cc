#!/bin/bash
# mlxk prune --local-dir DIR and --xet, and the whole-home view
# (health --cache --home).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/datasets.sh"
export MLXK_LOCK_GRACE_MS=50
M=.cache/huggingface

test_expect_success 'local-dir: stale partial files and orphan metadata go, files and upload/ stay' '
	make_local_dir ld &&
	mlxk prune --local-dir ld --dry-run >out &&
	test_grep "^Would remove 4 items" out &&
	mlxk --json prune --local-dir ld --force >out.json &&
	json_check out.json "d[\"data\"][\"removed\"] == 4" &&
	json_check out.json "sorted(i[\"kind\"] for i in d[\"data\"][\"areas\"][0][\"items\"]) == [\"incomplete_file\", \"incomplete_file\", \"orphan_metadata\", \"tmp_file\"]" &&
	test "$(find ld -name "*.incomplete" -o -name "tmp_*" | wc -l)" = 0 &&
	test_path_is_missing ld/$M/download/gone.bin.metadata &&
	test_path_is_file ld/$M/download/model.safetensors.metadata &&
	test_path_is_file ld/$M/download/sub/tokenizer.json.metadata &&
	test_path_is_file ld/model.safetensors && test_path_is_file ld/sub/tokenizer.json &&
	test_path_is_file ld/$M/upload/big.bin.metadata &&
	test_path_is_file ld/$M/upload/big.bin.lock
'

test_expect_success 'local-dir: a held owner lock keeps its .incomplete (name mapped by hash)' '
	rm -rf ld && make_local_dir ld &&
	hold_ds_lock ld/$M/download/model.safetensors.lock &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk --json prune --local-dir ld --force >out.json &&
	ls ld/$M/download/*.incomplete >inc &&
	test_line_count = 1 inc &&
	test_path_is_missing ld/$M/download/sub/*.incomplete &&
	json_check out.json "[i[\"reason\"] for i in d[\"data\"][\"areas\"][0][\"items\"] if i[\"state\"] == \"kept\"] == [\"download in progress (lock held)\"] * 2"
'

test_expect_success 'local-dir: a file that is not a download folder, a link out' '
	mkdir plain && test_expect_code 1 mlxk prune --local-dir plain --force 2>err &&
	test_grep "^mlxk: error: .plain. has no .cache/huggingface folder" err &&
	rm -rf ld outside && make_local_dir ld && mkdir outside && : >outside/x.metadata &&
	ln -s "$TRASH/outside" ld/$M/download/linked &&
	mlxk prune --local-dir ld --force >out &&
	test_path_is_file outside/x.metadata
'

test_expect_success 'xet: both spellings emptied when no hf_xet runs; staging kept' '
	make_xet "$HF_HOME/xet" && make_xet x2 --docs-spelling &&
	E="$HF_HOME/xet/https___cas_serv-tGqkUaZf_CBPHQ6h" &&
	mlxk --json prune --xet --force >out.json &&
	json_check out.json "d[\"data\"][\"removed\"] == 2" &&
	test_path_is_dir "$E/shard-cache" && test "$(ls -A "$E/shard-cache")" = "" &&
	test_path_is_dir "$E/chunk-cache" && test "$(ls -A "$E/chunk-cache")" = "" &&
	test_path_is_file "$E/staging/shard-session/xorb_metadata/$(printf x1 | sha256sum | cut -d" " -f1).mdb" &&
	ls "$HF_HOME/xet/logs" >logs && test_line_count = 2 logs &&
	HF_XET_CACHE="$TRASH/x2" mlxk prune --xet --staging --force >out &&
	test_grep "^Removed 3 items" out &&
	test "$(find x2/https___cas_serv-tGqkUaZf_CBPHQ6h -type f | wc -l)" = 0 &&
	test_path_is_dir x2/https___cas_serv-tGqkUaZf_CBPHQ6h/shard_cache
'

test_expect_success 'xet: a live hf_xet process (its log, started before it) blocks' '
	rm -rf x3 && make_xet x3 --live-pid $$ &&
	mlxk --json --xet-dir x3 prune --xet --force >out.json &&
	json_check out.json "d[\"data\"][\"removed\"] == 0" &&
	json_check out.json "d[\"data\"][\"areas\"][0][\"blocked\"].startswith(\"hf_xet process $$ is running\")" &&
	test "$(find x3/https___cas_serv-tGqkUaZf_CBPHQ6h/shard-cache -type f | wc -l)" = 3
'

test_expect_success 'health --cache --home: every area, by part, with what could go' '
	rm -rf "$HF_HOME" ld && make_datasets v2 && make_local_dir ld &&
	make_model org/m && make_xet "$HF_HOME/xet" &&
	mlxk health --cache --home --local-dir ld >out &&
	test_grep "^hub  *$CACHE$" out &&
	test_grep "^datasets  *$DS$" out &&
	test_grep "^ *downloads/extracted " out &&
	test_grep "^ *org___text-ds " out &&
	test_grep "^xet  *$HF_HOME/xet$" out &&
	test_grep "^ *shard-cache  *12.4KB  *3 " out &&
	test_grep "^  datasets   clean-locks: 21 lock files; prune: " out &&
	test_grep "^  local_dir  clean-locks: 6 lock files; prune: 1.1KB in 4 inodes$" out &&
	mlxk --json health --cache --home --local-dir ld >out.json &&
	json_check out.json "[a[\"area\"] for a in d[\"data\"][\"areas\"]] == [\"hub\", \"datasets\", \"local_dir\", \"xet\", \"assets\", \"modules\"]" &&
	json_check out.json "[p[\"size_bytes\"] for p in d[\"data\"][\"areas\"][3][\"parts\"] if p[\"name\"] == \"chunk-cache\"] == [20480]" &&
	json_check out.json "d[\"data\"][\"areas\"][1][\"reclaimable\"][\"prune_inodes\"] == 5" &&
	json_check out.json "d[\"data\"][\"areas\"][0][\"parts\"][0][\"name\"] in (\"models\", \".locks\")" &&
	test_expect_code 2 mlxk health --home 2>err &&
	test_grep "^mlxk: error: --home goes with --cache" err
'

test_expect_success 'health --cache --home: what prune could free in the hub' '
	rm -rf "$HF_HOME" && make_model org/m &&
	blobs=$(echo "$CACHE"/models--org--m/blobs) &&
	head -c 3000 /dev/zero >"$blobs/0123456789abcdef0123456789abcdef01234567" &&
	touch -d "3 hours ago" "$blobs/0123456789abcdef0123456789abcdef01234567" &&
	mlxk health --cache --home >out &&
	test_grep "^  hub        clean-locks: 0 lock files; prune: 3.0KB in 1 inode$" out &&
	mlxk --json health --cache --home >out.json &&
	json_check out.json "d[\"data\"][\"areas\"][0][\"reclaimable\"][\"prune_bytes\"] == 3000"
'

test_done
