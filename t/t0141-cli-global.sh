#!/bin/bash
# Global options after the command name, and JSON usage errors before it.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/cache.sh"

test_expect_success '--cache-dir after the command picks the cache' '
	CACHE=$PWD/other make_model mlx-community/Other-4bit &&
	make_model mlx-community/Main-4bit &&
	mlxk list --cache-dir "$PWD/other" >out &&
	test_grep "^Other-4bit " out &&
	! test_grep "Main-4bit" out &&
	mlxk list --cache-dir="$PWD/other" --json >out &&
	json_check out "[m[\"name\"] for m in d[\"data\"][\"models\"]] == [\"mlx-community/Other-4bit\"]" &&
	mlxk show Other-4bit --cache-dir "$PWD/other" >out &&
	test_grep "^Model: mlx-community/Other-4bit@" out &&
	mlxk health --cache-dir "$PWD/other" Other >out &&
	test_grep "^healthy   mlx-community/Other-4bit" out
'

test_expect_success 'the last --cache-dir wins, before or after the command' '
	CACHE=$PWD/other make_model mlx-community/Other-4bit &&
	mlxk --cache-dir /nonexistent list --cache-dir "$PWD/other" >out &&
	test_grep "^Other-4bit " out
'

test_expect_success '--cache-dir after -- is an argument' '
	test_expect_code 2 mlxk list x -- --cache-dir 2>err &&
	test_grep "too many arguments: .--cache-dir." err
'

test_expect_success '--cache-dir without a value after the command exits 2' '
	test_expect_code 2 mlxk list --cache-dir 2>err &&
	test_grep "^mlxk: error: --cache-dir needs a directory$" err &&
	test_grep "^hint: try .mlxk list --help." err &&
	test_expect_code 2 mlxk list --json --cache-dir >out &&
	json_check out "d[\"status\"] == \"error\" and d[\"command\"] == \"list\"" &&
	json_check out "d[\"error\"][\"type\"] == \"CommandError\""
'

test_expect_success 'global usage errors with --json are JSON on stdout' '
	test_expect_code 2 mlxk --json frobnicate >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"command\"] is None and d[\"error\"][\"type\"] == \"CommandError\"" &&
	test_expect_code 2 mlxk --frob list --json >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"error\"][\"message\"] == \"unknown option '"'"'--frob'"'"'\"" &&
	test_expect_code 2 mlxk --json help frobnicate >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"status\"] == \"error\""
'

test_expect_success_if "test -r /proc/meminfo" \
	'--version --json reports the memory the kernel reports' '
	mlxk --version --json >out &&
	kb=$(sed -n "s/^MemTotal: *\([0-9]*\) kB$/\1/p" /proc/meminfo) &&
	json_check out "d[\"data\"][\"system\"][\"memory_total_bytes\"] == $kb * 1024"
'

test_done
