#!/bin/bash
# An unknown command suggests the nearest; help pages carry examples.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'other tools words and typos suggest the command' '
	test_expect_code 2 mlxk ls 2>err &&
	test_grep "^mlxk: error: .ls. is not a mlxk command; did you mean .list.?$" err &&
	test_expect_code 2 mlxk remove x 2>err &&
	test_grep "did you mean .rm.?$" err &&
	test_expect_code 2 mlxk pul org/x 2>err &&
	test_grep "did you mean .pull.?$" err &&
	test_expect_code 2 mlxk help lsit 2>err &&
	test_grep "did you mean .list.?$" err
'

test_expect_success 'nothing near: no suggestion' '
	test_expect_code 2 mlxk frobnicate 2>err &&
	test_grep "^mlxk: error: .frobnicate. is not a mlxk command$" err
'

test_expect_success 'the suggestion is in the JSON error too' '
	test_expect_code 2 mlxk --json ls >out &&
	json_check out "d[\"error\"][\"type\"] == \"CommandError\" and \"did you mean\" in d[\"error\"][\"message\"]"
'

test_expect_success 'the help of every command shows examples' '
	for c in list show health pull rm clean-locks prune; do
		mlxk help $c >out &&
		test_grep "^examples:$" out &&
		test_grep "^  mlxk $c " out || return 1
	done
'

test_expect_success 'the man page has examples and names the installed docs' '
	grep -q "^\.SH EXAMPLES" "$TEST_DIRECTORY/../docs/mlxk.1" &&
	grep -q "share/doc/mlxk" "$TEST_DIRECTORY/../docs/mlxk.1"
'

test_expect_success 'every help page fits 80 columns' '
	for c in "" list show health pull rm clean-locks prune; do
		mlxk help $c >out &&
		awk "length(\$0) > 80 { bad = 1; print } END { exit bad }" out || return 1
	done
'

test_done
