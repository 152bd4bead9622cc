#!/bin/bash
# mlxk clean-locks never follows links out of the cache, and names the
# owner of lock files it may not remove.
. "$(dirname "$0")/test-lib.sh"
export MLXK_LOCK_GRACE_MS=50

L="$CACHE/.locks"
OUT="$TRASH/outside"

setup() {
	rm -rf "$CACHE" "$OUT"
	mkdir -p "$OUT/dir" "$L/models--mlx-community--x"
	echo precious >"$OUT/file.lock"
	: >"$OUT/dir/inner.lock"
}

test_expect_success 'a .lock symlink to an outside file is kept, its target untouched' '
	setup &&
	ln -s "$OUT/file.lock" "$L/models--mlx-community--x/evil.lock" &&
	: >"$L/models--mlx-community--x/ok.lock" &&
	mlxk clean-locks --all --force --older-than 0 -v >out &&
	test_grep "^kept    .locks/models--mlx-community--x/evil.lock (not a regular file)$" out &&
	test_grep "^removed .locks/models--mlx-community--x/ok.lock$" out &&
	test -L "$L/models--mlx-community--x/evil.lock" &&
	test "$(cat "$OUT/file.lock")" = precious
'

test_expect_success 'a lock folder that is a symlink is not entered' '
	setup &&
	ln -s "$OUT/dir" "$L/models--mlx-community--link" &&
	mlxk clean-locks --all --force --older-than 0 -v >out &&
	test_grep "^kept    .locks/models--mlx-community--link (not a directory; not entered)$" out &&
	test_path_is_file "$OUT/dir/inner.lock" &&
	test -L "$L/models--mlx-community--link"
'

test_expect_success 'a legacy blobs/ that is a symlink, and a linked repo, are not entered' '
	setup &&
	mkdir -p "$CACHE/models--org--a" "$OUT/blobs" "$OUT/repo/blobs" &&
	: >"$OUT/blobs/x.lock" && : >"$OUT/repo/blobs/y.lock" &&
	ln -s "$OUT/blobs" "$CACHE/models--org--a/blobs" &&
	ln -s "$OUT/repo" "$CACHE/models--org--b" &&
	mlxk clean-locks --all --force --older-than 0 >out &&
	test_path_is_file "$OUT/blobs/x.lock" &&
	test_path_is_file "$OUT/repo/blobs/y.lock"
'

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}
can_drop() {
	command -v setpriv >/dev/null && test "$(id -u)" = 0 &&
	as_nobody test -x "$MLXK_BIN"
}
chmod o+x "$TRASH" 2>/dev/null

test_expect_success_if can_drop 'a shared cache: lock files of another user are named with their owner' '
	setup &&
	D="$L/models--mlx-community--x" &&
	chmod -R a+rwX "$TRASH/hf" && chmod 1777 "$D" &&
	: >"$D/root-shared.lock" && chmod 664 "$D/root-shared.lock" &&
	: >"$D/root-private.lock" && chmod 600 "$D/root-private.lock" &&
	as_nobody touch "$D/mine.lock" &&
	as_nobody env HF_HOME="$HF_HOME" "$MLXK_BIN" clean-locks --force --older-than 0 -v >out 2>err &&
	test_grep "^removed .locks/models--mlx-community--x/mine.lock$" out &&
	test_grep "^kept    .locks/models--mlx-community--x/root-shared.lock (no permission; owned by root)$" out &&
	test_grep "^kept    .locks/models--mlx-community--x/root-private.lock (no permission; owned by root)$" out &&
	test_grep "^No permission for 2 lock files owned by root$" out &&
	test_path_is_file "$D/root-shared.lock" &&
	as_nobody env HF_HOME="$HF_HOME" "$MLXK_BIN" --json clean-locks --force --older-than 0 >out &&
	json_check out "d[\"data\"][\"kept_by_reason\"][\"no_permission\"] == 2"
'

test_done
