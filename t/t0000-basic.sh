#!/bin/bash
# Global behaviour: help, version, usage errors, exit codes.
. "$(dirname "$0")/test-lib.sh"

test_expect_success '--help lists every command and exits 0' '
	mlxk --help >out &&
	for c in clean-locks health list prune pull rm show; do
		test_grep "^  $c " out || return 1
	done
'

test_expect_success 'no command is a usage error (exit 2)' '
	test_expect_code 2 mlxk 2>err &&
	test_grep "usage: mlxk" err
'

test_expect_success 'unknown command exits 2 with one error line and a hint' '
	test_expect_code 2 mlxk frobnicate 2>err &&
	test_grep "^mlxk: error: .frobnicate. is not a mlxk command$" err &&
	test_grep "^hint: " err &&
	test_line_count = 2 err
'

test_expect_success 'unknown global option exits 2' '
	test_expect_code 2 mlxk --frob list 2>err &&
	test_grep "unknown option" err
'

test_expect_success '--version prints the version' '
	mlxk --version >out &&
	test_grep "^mlxk [0-9][0-9.]*$" out
'

test_expect_success '--version --json follows the 0.2.3 envelope' '
	mlxk --version --json >out &&
	json_check out "sorted(d) == [\"command\", \"data\", \"error\", \"status\"]" &&
	json_check out "d[\"status\"] == \"success\" and d[\"command\"] == \"version\"" &&
	json_check out "d[\"data\"][\"json_api_spec_version\"] == \"0.2.3\"" &&
	json_check out "isinstance(d[\"data\"][\"cli_version\"], str)" &&
	json_check out "d[\"data\"][\"system\"][\"memory_total_bytes\"] > 0" &&
	json_check out "d[\"error\"] is None"
'

test_expect_success 'help CMD and CMD --help print the same usage' '
	for c in clean-locks health list prune pull rm show; do
		mlxk help $c >a &&
		mlxk $c --help >b &&
		test_cmp a b &&
		test_grep "^usage: mlxk $c" a || return 1
	done
'

test_expect_success 'help for an unknown command exits 2' '
	test_expect_code 2 mlxk help frobnicate 2>err &&
	test_grep "not a mlxk command" err
'

test_expect_success '--json without a command gives a JSON error' '
	test_expect_code 2 mlxk --json >out &&
	json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"CommandError\""
'

test_expect_success 'make install puts the binary and the man page under PREFIX' '
	make -s -C "$TEST_DIRECTORY/.." install PREFIX="$TRASH/prefix" \
		B="$(basename "$MLXK_BUILD")" >/dev/null &&
	test -x "$TRASH/prefix/bin/mlxk" &&
	test_path_is_file "$TRASH/prefix/share/man/man1/mlxk.1" &&
	"$TRASH/prefix/bin/mlxk" --version >out &&
	test_grep "^mlxk " out
'

test_done
