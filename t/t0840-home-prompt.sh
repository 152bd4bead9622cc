#!/bin/bash
# clean-locks --datasets and prune --datasets on a real terminal (tmux):
# what can go comes first, then a question.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/datasets.sh"
. "$TEST_DIRECTORY/lib/tty.sh"

test_expect_success 'clean-locks --datasets: counts first; n keeps, y removes' '
	make_datasets v4 &&
	touch "$(ds_name downloads)/$(ds_name dl_gz).lock" &&
	tty_run --datasets-dir "$DS" clean-locks --datasets &&
	tty_wait "Remove them? \[y/N\]" &&
	test_grep "^18 lock files in 7 folders can go; 1 stay (1 used recently)\.$" screen &&
	tty_keys n Enter &&
	tty_wait "EXIT=1" &&
	test_grep "Cancelled: nothing was removed" screen &&
	test "$(find "$DS" -name "*.lock" | wc -l)" = 19 &&
	tty_run --datasets-dir "$DS" clean-locks --datasets &&
	tty_wait "Remove them? \[y/N\]" &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	test_grep "^Removed 18 lock files in 7 folders$" screen &&
	tty_finish &&
	test "$(find "$DS" -name "*.lock" | wc -l)" = 1
'

test_expect_success 'prune --datasets: the plan first; y removes' '
	rm -rf "$HF_HOME" && make_datasets v2 &&
	tty_run --datasets-dir "$DS" prune --datasets &&
	tty_wait "Remove them? \[y/N\]" &&
	test_grep "would remove incomplete_build" screen &&
	test_grep "^4 items can go (4.1KB, 5 inodes)\.$" screen &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	test_grep "^Removed 4 items: 4.1KB, 5 inodes freed; 0 kept$" screen &&
	tty_finish &&
	test_path_is_missing "$(ds_name build_crashed).incomplete"
'

test_done
