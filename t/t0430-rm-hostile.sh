#!/bin/bash
# mlxk rm never deletes or follows anything outside the cache, and
# permission errors leave the repo consistent.
. "$(dirname "$0")/test-lib.sh"
export MLXK_LOCK_GRACE_MS=50

OUT="$TRASH/outside"

setup() {
	rm -rf "$CACHE" "$OUT"
	mkdir -p "$OUT/dir"
	echo precious >"$OUT/file.txt"
	echo precious >"$OUT/dir/inner.txt"
	make_model org/evil
	D=$(repo_dir org/evil)
	S="$D/snapshots/$(commit_for org/evil)"
	L="$CACHE/.locks/models--org--evil"
}

outside_intact() {
	test "$(cat "$OUT/file.txt")" = precious &&
	test "$(cat "$OUT/dir/inner.txt")" = precious
}

test_expect_success 'snapshot links pointing outside are unlinked, targets kept' '
	setup &&
	ln -s "$OUT/file.txt" "$S/absolute" &&
	ln -s ../../../../../outside/file.txt "$S/relative" &&
	ln -s "$OUT/dir" "$S/dirlink" &&
	mlxk rm org/evil >out &&
	test_path_is_missing "$D" &&
	outside_intact
'

test_expect_success 'a revision with outside links is removed without touching them' '
	setup &&
	C2=$(commit_for two) &&
	printf x | add_file org/evil "$C2" x.bin >/dev/null &&
	ln -s "$OUT/file.txt" "$S/absolute" &&
	ln -s "$OUT/dir" "$S/dirlink" &&
	mlxk rm "org/evil@$(commit_for org/evil)" >out &&
	test_path_is_missing "$S" &&
	test_path_is_dir "$D/snapshots/$C2" &&
	outside_intact
'

test_expect_success 'a .lock that is a symlink to an outside file' '
	setup &&
	mkdir -p "$L" &&
	ln -s "$OUT/file.txt" "$L/deadbeef.lock" &&
	mlxk rm org/evil >out &&
	test_path_is_missing "$L" &&
	outside_intact
'

test_expect_success 'a lock folder that is a symlink is unlinked, not entered' '
	setup &&
	mkdir -p "$CACHE/.locks" &&
	ln -s "$OUT/dir" "$L" &&
	: >"$OUT/dir/x.lock" &&
	mlxk rm org/evil >out &&
	test_path_is_missing "$L" &&
	test_path_is_file "$OUT/dir/x.lock" &&
	outside_intact
'

test_expect_success 'blobs/ that is a symlink to an outside folder' '
	setup &&
	mv "$D/blobs" "$OUT/blobs" &&
	ln -s "$OUT/blobs" "$D/blobs" &&
	n=$(ls "$OUT/blobs" | wc -l) &&
	mlxk rm org/evil >out &&
	test_path_is_missing "$D" &&
	test "$(ls "$OUT/blobs" | wc -l)" = "$n"
'

test_expect_success 'a repo folder that is a symlink: the link goes, the target stays' '
	setup &&
	mkdir -p "$OUT/disk" &&
	mv "$D" "$OUT/disk/models--org--evil" &&
	ln -s "$OUT/disk/models--org--evil" "$D" &&
	mlxk rm org/evil >out &&
	test_grep "removed the symbolic link models--org--evil; its target .$OUT/disk/models--org--evil. was left in place" out &&
	test_path_is_missing "$D" &&
	test_path_is_dir "$OUT/disk/models--org--evil/snapshots" &&
	test "$(ls "$OUT/disk/models--org--evil/blobs" | wc -l)" = 4 &&
	test_expect_code 1 mlxk --json rm org/evil >out2 &&
	json_check out2 "d[\"error\"][\"type\"] == \"model_not_found\""
'

test_expect_success 'JSON names the link target' '
	setup &&
	mkdir -p "$OUT/disk" &&
	mv "$D" "$OUT/disk/models--org--evil" &&
	ln -s "$OUT/disk/models--org--evil" "$D" &&
	mlxk --json rm org/evil >out &&
	json_check out "d[\"data\"][\"link_target\"] == \"$OUT/disk/models--org--evil\"" &&
	test_path_is_dir "$OUT/disk/models--org--evil/snapshots"
'

# Permission tests need a user without root's powers over the files.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}
can_drop() {
	command -v setpriv >/dev/null && test "$(id -u)" = 0 &&
	as_nobody test -x "$MLXK_BIN" && as_nobody test -w "$TRASH/nobody-probe"
}
mkdir -p "$TRASH/nobody-probe" && chmod 777 "$TRASH/nobody-probe"
chmod o+x "$TRASH" 2>/dev/null
if ! can_drop; then
	say "permission tests skipped: cannot run as an unprivileged user here"
fi

test_expect_success_if can_drop 'a ref that cannot be removed stops rm before snapshots and blobs' '
	setup &&
	chmod -R a+rwX "$TRASH/hf" && chown -R nobody "$CACHE" &&
	chown root "$D/refs" && chmod 755 "$D/refs" &&
	test_expect_code 1 as_nobody env HF_HOME="$HF_HOME" "$MLXK_BIN" --json rm org/evil >out &&
	json_check out "d[\"error\"][\"type\"] == \"permission_denied\"" &&
	json_check out "\"models--org--evil/refs/main\" in d[\"error\"][\"message\"]" &&
	test_path_is_file "$D/refs/main" &&
	test_path_is_dir "$S" &&
	test "$(ls "$D/blobs" | wc -l)" = 4 &&
	test "$(cat "$S/config.json" | wc -c)" -gt 0
'

test_expect_success_if can_drop 'blobs that cannot be removed are named; refs and snapshots are gone' '
	setup &&
	chmod -R a+rwX "$TRASH/hf" && chown -R nobody "$CACHE" &&
	chown root "$D/blobs" && chmod 755 "$D/blobs" &&
	test_expect_code 1 as_nobody env HF_HOME="$HF_HOME" "$MLXK_BIN" rm org/evil >out 2>err &&
	test_grep "^mlxk: error: cannot remove .models--org--evil/blobs/[0-9a-f]*.: Permission denied" err &&
	test_line_count = 1 err &&
	test_path_is_missing "$D/refs" &&
	test_path_is_missing "$D/snapshots" &&
	test "$(ls "$D/blobs" | wc -l)" = 4
'

test_done
