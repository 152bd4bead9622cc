#!/bin/bash
# The fixtures of the HF_HOME tests recreate what datasets, hf download
# --local-dir and hf_xet write, and hold locks as datasets' FileLock does.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/datasets.sh"

test_expect_success 'datasets 2.x: Hub files in downloads/, modules, leaked long locks' '
	make_datasets v2 &&
	dl=$(ds_name downloads) &&
	test_path_is_file "$dl/$(ds_name dl_text)" &&
	test_path_is_file "$dl/$(ds_name dl_text).json" &&
	test_path_is_file "$dl/$(ds_name dl_text).lock" &&
	test_path_is_file "$dl/$(ds_name dl_partial).incomplete" &&
	test_path_is_dir "$(ds_name extracted)/$(ds_name ex_archive)" &&
	test_path_is_file "$(ds_name build_text)_builder.lock" &&
	test_path_is_dir "$(ds_name build_crashed).incomplete" &&
	test_path_is_file "$HF_HOME/modules/datasets_modules/datasets/org--script-ds.lock" &&
	(cd "$DS" && ls) | grep "\.\.\.-\{0,1\}[0-9]*\.lock$" >long &&
	test_line_count = 3 long &&
	while read -r n; do test ${#n} = 255 || return 1; done <long &&
	test_path_is_missing "$CACHE/datasets--org--text-ds"
'

test_expect_success 'datasets 4.x: Hub files in the hub cache, no modules' '
	rm -rf "$HF_HOME" && make_datasets v4 &&
	test_path_is_dir "$CACHE/datasets--org--text-ds/blobs" &&
	test_path_is_missing "$(ds_name downloads)/$(ds_name dl_text)" &&
	test_path_is_missing "$HF_HOME/modules" &&
	json_check ds-names.json "d[\"downloads\"] == \"$DS/downloads\""
'

test_expect_success 'a holder takes datasets locks; long names hashed per process' '
	long="$DS/$(printf "%0300d" 0).lock" &&
	hold_ds_lock "$(ds_name build_text)_builder.lock" "$long" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	test_expect_code 1 flock -n "$(ds_name build_text)_builder.lock" true &&
	held=$(sed -n 2p ds-held) &&
	test_expect_code 1 flock -n "$held" true &&
	n=$(basename "$held") && test ${#n} = 255 &&
	case "$n" in *...*.lock) ;; *) false ;; esac &&
	a=$($DSPY "$DSLIB" lockname --seed 1 "$long") &&
	b=$($DSPY "$DSLIB" lockname --seed 2 "$long") &&
	test "$a" != "$b"
'

test_expect_success 'local-dir and xet layouts, both spellings' '
	make_local_dir ld &&
	test_path_is_file ld/.cache/huggingface/download/model.safetensors.lock &&
	test_path_is_file ld/.cache/huggingface/upload/big.bin.lock &&
	ls ld/.cache/huggingface/download/*.incomplete &&
	make_xet x1 && make_xet x2 --docs-spelling --live-pid $$ &&
	test_path_is_dir x1/https___cas_serv-tGqkUaZf_CBPHQ6h/shard-cache &&
	test_path_is_dir x2/https___cas_serv-tGqkUaZf_CBPHQ6h/chunk_cache &&
	ls x2/logs/xet_*_$$.log
'

test_done
