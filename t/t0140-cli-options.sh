#!/bin/bash
# Option errors name the option that was wrong, for every command.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/cache.sh"

test_expect_success 'an unknown short option in a cluster is named' '
	test_expect_code 2 mlxk list -xy 2>err &&
	test_grep "^mlxk: error: unknown option .-x.$" err &&
	test_grep "^hint: try .mlxk list --help." err &&
	test_line_count = 2 err
'

test_expect_success 'a value given to a flag is a usage error naming it' '
	test_expect_code 2 mlxk list --all=3 2>err &&
	test_grep "^mlxk: error: --all takes no value$" err &&
	test_expect_code 2 mlxk show --files=1 x 2>err &&
	test_grep "^mlxk: error: --files takes no value$" err &&
	test_expect_code 2 mlxk health --json --verify=1 >out &&
	json_check out "d[\"error\"][\"message\"] == \"--verify takes no value\""
'

test_expect_success 'a missing value is named, also for an abbreviation' '
	test_expect_code 2 mlxk list --fr 2>err &&
	test_grep "^mlxk: error: --framework needs a value$" err
'

test_expect_success '--json after -- is an argument, not the option' '
	test_expect_code 2 mlxk list -x -- --json 2>err >out &&
	test_must_be_empty out &&
	test_grep "unknown option" err
'

test_expect_success 'rm, pull, clean-locks and prune name the wrong option too' '
	test_expect_code 2 mlxk rm -xf org/a 2>err &&
	test_grep "^mlxk: error: unknown option .-x.$" err &&
	test_grep "^hint: try .mlxk rm --help." err &&
	test_expect_code 2 mlxk pull -j 2>err &&
	test_grep "^mlxk: error: -j needs a value$" err &&
	test_expect_code 2 mlxk pull --jobs 2>err &&
	test_grep "^mlxk: error: --jobs needs a value$" err &&
	test_expect_code 2 mlxk clean-locks --older-than 2>err &&
	test_grep "^mlxk: error: --older-than needs a value$" err &&
	test_expect_code 2 mlxk clean-locks -j 2>err &&
	test_grep "^mlxk: error: unknown option .-j.$" err &&
	test_expect_code 2 mlxk prune --dry-run=1 2>err &&
	test_grep "^mlxk: error: --dry-run takes no value$" err &&
	test_expect_code 2 mlxk prune --json --frob >out &&
	json_check out "d[\"error\"][\"message\"] == \"unknown option \x27--frob\x27\""
'

test_expect_success 'every command answers a bad option with the JSON envelope when --json follows' '
	for c in clean-locks health list prune pull rm show; do
		test_expect_code 2 mlxk $c --bogus --json >out 2>err &&
		test_must_be_empty err &&
		json_check out "d[\"status\"] == \"error\" and d[\"command\"] == \"$c\" and d[\"error\"][\"type\"] == \"CommandError\" and d[\"error\"][\"message\"] == \"unknown option \x27--bogus\x27\"" ||
		return 1
	done
'

test_expect_success 'rm, pull and clean-locks: also a bad value after --json' '
	test_expect_code 2 mlxk pull --json -j 0 org/a >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"command\"] == \"pull\" and d[\"error\"][\"type\"] == \"CommandError\"" &&
	test_expect_code 2 mlxk clean-locks --older-than soon --json >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"command\"] == \"clean-locks\" and d[\"error\"][\"message\"].startswith(\"invalid duration\")" &&
	test_expect_code 2 mlxk rm -x --json org/a >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"command\"] == \"rm\" and d[\"error\"][\"message\"] == \"unknown option \x27-x\x27\""
'

test_expect_success 'prune: --json after -- is an argument, not the option' '
	test_expect_code 2 mlxk prune --frob -- --json >out 2>err &&
	test_must_be_empty out &&
	test_grep "^mlxk: error: unknown option .--frob.$" err
'

test_done
