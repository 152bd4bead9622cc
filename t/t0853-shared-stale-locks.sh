#!/bin/bash
# Another user's old lock files in a shared cache: health --cache names
# those that make other users' downloads fail, with the cure; clean-locks
# removes them when idle and the folder allows it (flock needs no write
# access), and counts per owner; the next client recreates them 0664.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/users.sh"
users_require
export MLXK_LOCK_GRACE_MS=50
PY=/usr/bin/python3
$PY -c "import filelock" 2>/dev/null || {
	test "$CI" = true && { echo "Bail out! python3-filelock missing"; exit 1; }
	test_skip_all="python3-filelock not installed"
}

A=mlxkt_a
B=mlxkt_b
C=mlxkt_c
L="$CACHE/.locks/models--org--m"

setup() {
	rm -rf "$CACHE" && shared_cache_dir "$CACHE" &&
	make_model org/m && chgrp -R $MLXKT_GROUP "$CACHE" &&
	chmod -R g+rwX "$CACHE" && find "$CACHE" -type d -exec chmod g+s {} + &&
	mkdir -p "$L" && chgrp $MLXKT_GROUP "$L" "$CACHE/.locks" &&
	chmod 2775 "$L" "$CACHE/.locks" &&
	for b in $(ls "$(repo_dir org/m)/blobs"); do
		: >"$L/$b.lock" || return 1
	done &&
	set -- "$L"/*.lock &&
	chown $A "$1" "$2" && chmod 0644 "$1" "$2" &&
	chown $C "$3" && chmod 0644 "$3" &&
	chown $B "$4" && chmod 0664 "$4" &&
	touch -m -d "2 hours ago" "$L"/*.lock
}

# try_lock USER FILE: take it as huggingface_hub does (O_RDWR).
try_lock() {
	as_user $1 $PY -c "
import sys, filelock
filelock.FileLock(sys.argv[1]).acquire(timeout=1); print('locked')
" "$2"
}

test_expect_success 'the old 0644 locks make other users'"'"' downloads fail' '
	setup && set -- "$L"/*.lock &&
	test_must_fail try_lock $B "$1" 2>err &&
	test_grep PermissionError err
'

test_expect_success 'health --cache names them with owner, mode and the cure' '
	mlxk_as $B --json health --cache >j &&
	json_check j "sorted((i[\"owner\"], i[\"mode\"]) for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"].endswith(\".lock\")) == [(\"$A\", \"0644\"), (\"$A\", \"0644\"), (\"$C\", \"0644\")]" &&
	json_check j "all(i[\"cure\"].startswith(\"mlxk clean-locks --all --older-than 0\") for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"].endswith(\".lock\"))" &&
	mlxk_as $B health --cache >out &&
	test_grep "^    cure: mlxk clean-locks --all --older-than 0" out
'

test_expect_success 'clean-locks by another user removes them, counted per owner' '
	mlxk_as $B --json clean-locks --all --force >j &&
	json_check j "d[\"data\"][\"removed_by_owner\"] == {\"$A\": 2, \"$B\": 1, \"$C\": 1}" &&
	mlxk_as $B health --cache >out2 &&
	test_grep ! "\.lock (" out2 &&
	test "$(ls "$L" | wc -l)" = 0
'

test_expect_success 'the next client recreates it 0664; every user can take it' '
	setup && set -- "$L"/*.lock &&
	mlxk_as $C clean-locks --all --force >out &&
	test_grep "^Removed by owner: $A 2, $B 1, $C 1$" out &&
	as_user $A $PY -c "
import sys; sys.path.insert(0, sys.argv[2])
from lockclient import ModeLock
ModeLock(sys.argv[1], 0o664).acquire(timeout=1)
" "$1" "$TEST_DIRECTORY/lib" &&
	test "$(stat -c %U:%a "$1")" = "$A:664" &&
	try_lock $B "$1" >out && test_grep locked out
'

test_done
