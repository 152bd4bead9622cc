#!/bin/bash
# health --cache --fix-permissions [--group G] [--dry-run] with real
# users: root makes a whole cache shared once (group, setgid folders, a
# default ACL for the group), so that what anyone creates later under
# umask 022 stays group-writable; owners repair their own entries;
# JSON says "error" when something stays unfixed.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/users.sh"
users_require
command -v getfacl >/dev/null || {
	test "$CI" = true && { echo "Bail out! getfacl (acl) missing"; exit 1; }
	test_skip_all="getfacl (Debian acl) not installed"
}

A=mlxkt_a
B=mlxkt_b
G=$MLXKT_GROUP
R=org/m
C=$(commit_for $R)
L="$CACHE/.locks/models--org--m"
D=$(repo_dir $R)

# What umask 022 leaves behind: A's model 0755/0644, B's 0600 lock, a
# root cache folder 0755 with root's group.
setup() {
	rm -rf "$CACHE" &&
	make_model $R &&
	true &&
	mkdir -p "$L" && : >"$L/a.lock" && : >"$L/b.lock" &&
	chmod -R u=rwX,go=rX "$CACHE" &&
	chown -R $A:$G "$D" "$L" "$CACHE/.locks" &&
	chown $B "$L/b.lock" && chmod 0600 "$L/b.lock" &&
	chown root:root "$CACHE" && chmod 0755 "$CACHE"
}

test_expect_success 'root makes the whole cache shared with --group' '
	setup &&
	mlxk health --cache --fix-permissions --group $G >out &&
	test_grep "^Fixed permissions of [0-9]* entries; 0 could not be fixed$" out &&
	test "$(stat -c %G:%a "$CACHE")" = "$G:2775" &&
	test "$(stat -c %U:%G:%a "$L/b.lock")" = "$B:$G:660" &&
	test "$(stat -c %a "$D/blobs")" = 2775 &&
	test "$(stat -c %a "$D/refs/main")" = 664 &&
	for d in $(find "$CACHE" -type d); do
		getfacl -p "$d" 2>/dev/null | grep -q "^default:group:$G:rwx" ||
			{ echo "no default ACL on $d"; return 1; }
	done
'

test_expect_success 'afterwards umask 022 creates group-writable files (no cron)' '
	as_user $A sh -c "umask 022; mkdir -p \"$D/snapshots/new/sub\" && echo x >\"$D/snapshots/new/sub/f\" && : >\"$L/c.lock\"" &&
	test "$(stat -c %G "$D/snapshots/new/sub/f")" = $G &&
	as_user $B sh -c "echo y >>\"$D/snapshots/new/sub/f\" && : >\"$D/snapshots/new/sub/g\" && exec 3<>\"$L/c.lock\"" &&
	test "$(stat -c %a "$D/snapshots/new/sub")" = 2775
'

test_expect_success 'a second run changes nothing (idempotent)' '
	find "$CACHE" -printf "%p %m %g\n" | sort >before &&
	mlxk health --cache --fix-permissions --group $G >out &&
	test_grep "^Fixed permissions of 0 entries; 0 could not be fixed$" out &&
	find "$CACHE" -printf "%p %m %g\n" | sort >after &&
	test_cmp before after
'

test_expect_success '--dry-run shows what would change and changes nothing' '
	setup &&
	find "$CACHE" -printf "%p %m %g\n" | sort >before &&
	mlxk --json health --cache --fix-permissions --group $G --dry-run >j &&
	find "$CACHE" -printf "%p %m %g\n" | sort >after &&
	test_cmp before after &&
	! getfacl -p "$D" | grep -q "^default:" &&
	json_check j "d[\"data\"][\"cache\"][\"fix_permissions\"][\"dry_run\"] == True" &&
	json_check j "[(i[\"mode\"], i[\"new_mode\"], i[\"default_acl\"]) for i in d[\"data\"][\"cache\"][\"fix_permissions\"][\"items\"] if i[\"path\"] == \"models--org--m/blobs\"] == [(\"0755\", \"2775\", True)]" &&
	mlxk health --cache --fix-permissions --group $G --dry-run >out &&
	test_grep "^Would fix permissions of [0-9]* entries; 0 could not be fixed$" out &&
	test_grep "^  would fix .locks/models--org--m/b.lock (owner $B, mode 0600 -> 0660)$" out
'

test_expect_success 'a user fixes its own entries; JSON says error for the rest' '
	setup &&
	chgrp $G "$CACHE" && chmod 2775 "$CACHE" &&
	test_expect_code 1 mlxk_as $A --json health --cache --fix-permissions >j &&
	json_check j "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"permissions_unfixed\"" &&
	json_check j "d[\"data\"][\"cache\"][\"fix_permissions\"][\"unfixed\"] == 1" &&
	json_check j "[(i[\"owner\"], i[\"error\"]) for i in d[\"data\"][\"cache\"][\"fix_permissions\"][\"items\"] if not i[\"fixed\"]] == [(\"$B\", \"owned by $B\")]" &&
	test "$(stat -c %a "$D/blobs")" = 2775 &&
	getfacl -p "$D/blobs" | grep -q "^default:group:$G:rwx" &&
	mlxk_as $B health --cache --fix-permissions >out &&
	test "$(stat -c %a "$L/b.lock")" = 660
'

test_expect_success 'the owner repairs its own 0000 files and 0300 folders' '
	setup &&
	chgrp $G "$CACHE" && chmod 2775 "$CACHE" &&
	chown $A "$L/b.lock" &&
	chmod 0000 "$L/b.lock" "$D/refs/main" && chmod 0300 "$D/snapshots" &&
	mlxk_as $A health --cache --fix-permissions >out &&
	test_grep "0 could not be fixed" out &&
	test "$(stat -c %a "$L/b.lock")" = 660 &&
	test "$(stat -c %a "$D/refs/main")" = 660 &&
	test "$(stat -c %a "$D/snapshots")" = 2770 &&
	test "$(stat -c %a "$D/snapshots/$C")" = 2775
'

test_expect_success 'an unknown group is an error; nothing changes' '
	setup &&
	test_expect_code 1 mlxk health --cache --fix-permissions --group no-such-group-x 2>err &&
	test_grep "^mlxk: error: no such group .no-such-group-x.$" err &&
	test "$(stat -c %a "$D/blobs")" = 755 &&
	test_expect_code 2 mlxk health --cache --group $G 2>err &&
	test_grep "needs --fix-permissions" err
'

test_done
