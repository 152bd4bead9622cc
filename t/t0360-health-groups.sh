#!/bin/bash
# health as a user in many groups: a file readable through the 70th
# supplementary group is readable (a fixed-size group list said not).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/cache.sh"

can_switch_user() {
	test "$(id -u)" = 0 && command -v setpriv &&
		setpriv --reuid=65534 --regid=65534 --groups=1001 true
}

# as_nobody GROUPS CMD...: run CMD as uid/gid 65534 with GROUPS.
as_nobody() {
	local groups="$1"
	shift
	setpriv --reuid=65534 --regid=65534 --groups="$groups" "$@"
}

test_expect_success_if can_switch_user 'a blob readable by the 70th group counts as readable' '
	make_model org/grp &&
	chmod -R o+rX "$TRASH" &&
	chgrp 1070 "$(repo_dir org/grp)"/blobs/* &&
	chmod 640 "$(repo_dir org/grp)"/blobs/* &&
	as_nobody "$(seq -s, 1001 1070)" "$MLXK_BIN" health --json >out &&
	json_check out "d[\"data\"][\"summary\"][\"healthy_count\"] == 1" &&
	test_expect_code 1 as_nobody "$(seq -s, 1001 1069)" "$MLXK_BIN" health --json >out &&
	json_check out "d[\"data\"][\"unhealthy\"][0][\"reason\"].startswith(\"Unreadable file: \")"
'

test_done
