#!/bin/bash
# health --cache permission diagnostics and --fix-permissions in a cache
# shared by several users. Real files owned by other users: needs root
# (to chown and to run mlxk as another user with setpriv).
. "$(dirname "$0")/test-lib.sh"

if test "$(id -u)" != 0 || ! command -v setpriv >/dev/null ||
	! command -v groupadd >/dev/null; then
	test_skip_all="needs root, setpriv and groupadd for real multi-user files"
fi

U1=40001        # the user running mlxk (no passwd entry: shown by number)
GRP=mlxkt$$     # the cache's shared group
C=$(commit_for org/a)

# as_u1 ARGS...: run mlxk as U1, member of the shared group only.
as_u1() {
	setpriv --reuid=$U1 --regid="$(getent group $GRP | cut -d: -f3)" \
		--groups="$(getent group $GRP | cut -d: -f3)" -- "$MLXK_BIN" "$@"
}

perm_json() {
	json "$1" "d[\"data\"][\"cache\"][\"categories\"][\"permissions\"]$2"
}

# A shared cache: root group GRP, mode 2775. U1 owns a model written
# with umask 022; nobody owns a lock file 0644 and a folder 0755.
setup_shared() {
	rm -rf "$CACHE" &&
	make_model org/a &&
	D=$(repo_dir org/a) &&
	mkdir -p "$CACHE/.locks/models--org--a" &&
	touch "$CACHE/.locks/models--org--a/mine.lock" \
		"$CACHE/.locks/models--org--a/theirs.lock" &&
	chmod 0644 "$CACHE/.locks/models--org--a/"*.lock &&
	chgrp -R $GRP "$CACHE" &&
	chmod 2775 "$CACHE" &&
	chown -R -h $U1 "$D" "$CACHE/.locks" &&
	chown nobody "$CACHE/.locks/models--org--a/theirs.lock" &&
	mkdir -p "$CACHE/models--other--b/blobs" &&
	chown -R nobody:$GRP "$CACHE/models--other--b" &&
	chmod u=rwx,go=rx,g-s "$CACHE/models--other--b" "$CACHE/models--other--b/blobs"
}

test_expect_success 'setup: a shared group' '
	groupadd $GRP &&
	getent group $GRP
'

test_expect_success 'another user'"'"'s 0644 lock file and folders are reported with owner and mode' '
	setup_shared &&
	as_u1 --json health --cache >j &&
	json_check j "d[\"data\"][\"cache\"][\"shared\"] == True" &&
	json_check j "d[\"data\"][\"cache\"][\"group\"] == \"$GRP\"" &&
	P=".locks/models--org--a/theirs.lock" &&
	json_check j "[(i[\"owner\"], i[\"mode\"]) for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"] == \"$P\"] == [(\"nobody\", \"0644\")]" &&
	json_check j "[i[\"detail\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"] == \"$P\"] == [\"not writable by you; lock file only its owner can open for writing (filelock needs that); no group read/write\"]" &&
	json_check j "[i[\"detail\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"] == \"models--other--b\"] == [\"not writable and searchable by you; no group rwx; no setgid\"]" &&
	as_u1 health --cache >out &&
	test_grep "^Cache .* (shared)$" out &&
	test_grep "^  $P (file, owner nobody, mode 0644): not writable by you; lock file" out
'

test_expect_success 'the current user'"'"'s own entries lack group bits in a shared cache' '
	setup_shared &&
	as_u1 --json health --cache >j &&
	json_check j "[(i[\"owner\"], i[\"mode\"], i[\"detail\"]) for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"] == \"models--org--a/blobs\"] == [(\"$U1\", \"0755\", \"no group rwx; no setgid\")]" &&
	json_check j "[(i[\"detail\"], i[\"cure\"]) for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"] == \".locks/models--org--a/mine.lock\"] == [(\"lock file only its owner can open for writing (filelock needs that); no group read/write\", \"mlxk health --cache --fix-permissions\")]"
'

test_expect_success '--fix-permissions repairs what the user owns and names the rest' '
	setup_shared &&
	printf secret >"$TRASH/outside" && chown $U1 "$TRASH/outside" && chmod 0600 "$TRASH/outside" &&
	ln -s "$TRASH/outside" "$(repo_dir org/a)/snapshots/$C/evil" &&
	test_expect_code 1 as_u1 health --cache --fix-permissions >out &&
	test_grep "^Fixed permissions of [0-9]* entries; 3 could not be fixed$" out &&
	test_grep "^  cannot fix .locks/models--org--a/theirs.lock (owner nobody, mode 0644): owned by nobody$" out &&
	test_grep "^  cannot fix models--other--b (owner nobody, mode 0755): owned by nobody$" out &&
	D=$(repo_dir org/a) &&
	test "$(stat -c %a "$D")" = 2775 &&
	test "$(stat -c %a "$D/blobs")" = 2775 &&
	test "$(stat -c %a "$D/snapshots/$C")" = 2775 &&
	test "$(stat -c %a "$CACHE/.locks/models--org--a/mine.lock")" = 664 &&
	test "$(stat -c %a "$D/refs/main")" = 664 &&
	B=$(readlink "$D/snapshots/$C/config.json") &&
	test "$(stat -c %a "$D/blobs/$(basename "$B")")" = 664 &&
	test "$(stat -c %a "$CACHE/.locks/models--org--a/theirs.lock")" = 644 &&
	test "$(stat -c %a "$TRASH/outside")" = 600 &&
	test "$(stat -c %U "$CACHE/.locks/models--org--a/theirs.lock")" = nobody &&
	as_u1 --json health --cache >j &&
	json_check j "sorted(i[\"path\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"]) == [\".locks/models--org--a/theirs.lock\", \"models--other--b\", \"models--other--b/blobs\"]"
'

test_expect_success '--fix-permissions in JSON lists every entry' '
	setup_shared &&
	test_expect_code 1 as_u1 --json health --cache --fix-permissions >j &&
	json_check j "d[\"data\"][\"cache\"][\"fix_permissions\"][\"unfixed\"] == 3" &&
	json_check j "[(i[\"mode\"], i[\"new_mode\"], i[\"fixed\"]) for i in d[\"data\"][\"cache\"][\"fix_permissions\"][\"items\"] if i[\"path\"] == \"models--org--a/blobs\"] == [(\"0755\", \"2775\", True)]" &&
	json_check j "[(i[\"owner\"], i[\"fixed\"], i[\"error\"]) for i in d[\"data\"][\"cache\"][\"fix_permissions\"][\"items\"] if i[\"path\"] == \".locks/models--org--a/theirs.lock\"] == [(\"nobody\", False, \"owned by nobody\")]"
'

test_expect_success 'files of the wrong group get the cache group when the owner may' '
	setup_shared &&
	D=$(repo_dir org/a) &&
	chgrp nogroup "$D/refs/main" &&
	as_u1 --json health --cache >j &&
	json_check j "[i[\"detail\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if i[\"path\"] == \"models--org--a/refs/main\"] == [\"no group read/write; group nogroup, not $GRP\"]" &&
	chown -R nobody "$CACHE/models--other--b" "$CACHE/.locks/models--org--a/theirs.lock" &&
	chown $U1 "$CACHE/.locks/models--org--a/theirs.lock" && rm -rf "$CACHE/models--other--b" &&
	as_u1 health --cache --fix-permissions >out &&
	test "$(stat -c %G "$D/refs/main")" = $GRP &&
	test "$(stat -c %a "$D/refs/main")" = 664
'

test_expect_success 'a cache root that is not group-writable is not fixed (exit 1)' '
	setup_shared &&
	chmod 0755 "$CACHE" &&
	D=$(repo_dir org/a) &&
	test_expect_code 1 as_u1 health --cache --fix-permissions 2>err &&
	test_grep "is not group-writable, so it is not a shared cache" err &&
	test "$(stat -c %a "$D/blobs")" = 755
'

test_expect_success 'a private cache reports only what the user cannot write' '
	rm -rf "$CACHE" && make_model org/a &&
	chown -R $U1 "$CACHE" "$HF_HOME" &&
	chmod 0755 "$CACHE" &&
	mkdir -p "$CACHE/.locks/models--org--a" &&
	touch "$CACHE/.locks/models--org--a/x.lock" &&
	chown $U1 "$CACHE/.locks" &&
	chown nobody "$CACHE/.locks/models--org--a" "$CACHE/.locks/models--org--a/x.lock" &&
	setpriv --reuid=$U1 --regid=$U1 --clear-groups -- "$MLXK_BIN" --json health --cache >j &&
	json_check j "d[\"data\"][\"cache\"][\"shared\"] == False" &&
	json_check j "sorted(i[\"path\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"]) == [\".locks/models--org--a\", \".locks/models--org--a/x.lock\"]"
'

test_expect_success 'cleanup: remove the shared group' '
	rm -rf "$CACHE" &&
	groupdel $GRP
'

test_done
