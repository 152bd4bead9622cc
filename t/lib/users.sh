# Real users for the tests of caches shared by several users.
# Source after test-lib.sh, then call users_require at the top level.
#
# The users mlxkt_a, mlxkt_b, mlxkt_c (primary group mlxkt_g, no home)
# and the group are created once and kept: creating them is idempotent.
# Without root (or useradd, setpriv) the whole script is skipped, saying
# so; in CI (CI=true) that skip is a failure, since CI runs as root.

MLXKT_GROUP=mlxkt_g
MLXKT_USERS="mlxkt_a mlxkt_b mlxkt_c"

# users_require: make sure the users exist, or skip the whole script.
users_require() {
	local why= u
	if test "$(id -u)" != 0; then
		why="needs root to create real users (useradd)"
	elif ! command -v setpriv >/dev/null || ! command -v useradd >/dev/null ||
		! command -v groupadd >/dev/null; then
		why="needs setpriv, useradd and groupadd"
	fi
	if test -z "$why"; then
		getent group $MLXKT_GROUP >/dev/null ||
			groupadd $MLXKT_GROUP 2>/dev/null ||
			getent group $MLXKT_GROUP >/dev/null ||
			why="groupadd $MLXKT_GROUP failed"
	fi
	for u in $MLXKT_USERS; do
		test -n "$why" && break
		getent passwd $u >/dev/null ||
			useradd -M -N -g $MLXKT_GROUP -d /nonexistent \
				-s /bin/sh $u 2>/dev/null ||
			getent passwd $u >/dev/null ||
			why="useradd $u failed"
	done
	test -z "$why" && users_traversable && return 0
	test -z "$why" && why="the trash directory is not reachable by other users"
	if test "$CI" = true; then
		echo "Bail out! $why (in CI a skipped test is a failure)"
		exit 1
	fi
	echo "1..0 # SKIP $why"
	rm -rf "$TRASH"
	exit 0
}

# users_traversable: other users can reach $TRASH and run mlxk. Only the
# trash dir and t/trash are changed, and only by adding o+x.
users_traversable() {
	chmod o+x "$TEST_DIRECTORY/trash" "$TRASH" "$HF_HOME" 2>/dev/null
	setpriv --reuid=mlxkt_a --regid=$MLXKT_GROUP --init-groups -- \
		test -x "$MLXK_BIN" -a -d "$TRASH/." 2>/dev/null
}

# as_user USER CMD...: run CMD as USER (groups from /etc/group, umask
# 022, HOME inside the trash dir), keeping the test's environment.
as_user() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid=$MLXKT_GROUP --init-groups -- \
		env HOME="$TRASH/home-$u" sh -c 'umask 022; exec "$@"' sh "$@"
}

# mlxk_as USER ARGS...: mlxk as USER.
mlxk_as() {
	local u=$1
	shift
	as_user "$u" "$MLXK_BIN" "$@"
}

# uid_of USER, gid_of GROUP
uid_of() {
	id -u "$1"
}
gid_of() {
	getent group "$1" | cut -d: -f3
}

# shared_cache_dir DIR: a cache root owned by root, group mlxkt_g, mode
# 2775 -- what an admin creates once (the part before --fix-permissions).
shared_cache_dir() {
	mkdir -p "$1" && chgrp $MLXKT_GROUP "$1" && chmod 2775 "$1"
}
