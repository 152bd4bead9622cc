#!/bin/bash
# Output hygiene: hostile names never reach the terminal raw, JSON stays
# valid, stdout write errors are reported, a closed pipe ends quietly.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/cache.sh"

esc=$(printf '\033')

setup_hostile() {
	make_model "org/esc${esc}[31mred" &&
	make_model "org/bad$(printf '\377\376')name" &&
	make_model "org/line$(printf '\r')break"
}

# no_controls FILE: no byte below 0x20 but tab/newline, no DEL, no 0xff.
no_controls() {
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177\377]')" "$1"; then
		echo "error: control bytes in $1:" >&2
		cat -v "$1" >&2
		return 1
	fi
}

test_expect_success 'setup: models with hostile names' '
	setup_hostile
'

test_expect_success 'list, health and show print hostile names with ?' '
	mlxk list --all >out &&
	no_controls out &&
	test_grep "^org/esc?\[31mred " out &&
	test_grep "^org/bad??name " out &&
	test_grep "^org/line?break " out &&
	mlxk health >out &&
	no_controls out &&
	test_grep "^healthy   org/esc?\[31mred " out &&
	mlxk show esc >out &&
	no_controls out &&
	test_grep "^Model: org/esc?\[31mred@" out
'

test_expect_success 'error messages quote hostile names with ? on one line' '
	test_expect_code 1 mlxk show org/ 2>err &&
	no_controls err &&
	test_line_count = 1 err &&
	test_grep "org/esc?\[31mred" err
'

test_expect_success 'JSON keeps the names, valid even with invalid UTF-8' '
	mlxk list --json >out &&
	json_check out "\"org/esc\\x1b[31mred\" in [m[\"name\"] for m in d[\"data\"][\"models\"]]" &&
	json_check out "\"org/bad\\ufffd\\ufffdname\" in [m[\"name\"] for m in d[\"data\"][\"models\"]]" &&
	mlxk health --json >out &&
	json_check out "d[\"data\"][\"summary\"][\"total\"] == 3" &&
	test_expect_code 1 mlxk show org/ --json >out &&
	json_check out "len(d[\"error\"][\"matches\"]) == 3"
'

test_expect_success 'a write error on stdout is reported and exits 1' '
	test_expect_code 1 mlxk list --all >/dev/full 2>err &&
	test_grep "^mlxk: error: write failure on standard output: No space left on device$" err &&
	test_expect_code 1 mlxk list --json >/dev/full 2>err &&
	test_grep "write failure" err &&
	test_expect_code 1 mlxk --version >/dev/full 2>err &&
	test_grep "write failure" err
'

test_expect_success 'a reader that stops early ends mlxk quietly' '
	for i in $(seq 1 400); do
		mkdir -p "$CACHE/models--org--many-$i/snapshots" || return 1
	done &&
	{ mlxk list --all --json 2>err | head -c 10 >out; st=${PIPESTATUS[0]}; } &&
	test_must_be_empty err &&
	{ test $st = 0 || test $st = 141; } &&
	mlxk list --all 2>err | head -1 >out &&
	test_grep "^Name " out &&
	test_must_be_empty err
'

test_done
