#!/bin/bash
# Links, hard links and identity: a hostile cache (a repo folder or blobs/
# that is a symlink, a hard link to a file outside the cache) never makes
# mlxk delete, chmod, truncate or write anything outside it; prune never
# removes a blob or snapshot that a concurrent download is about to use.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/tty.sh"

ELSE="$TRASH/elsewhere"
ORPHAN=$(printf orphan | sha256sum | cut -d" " -f1)

# A repo folder whose real content is outside the cache, with an old
# orphan blob there.
setup_linked_repo() {
	rm -rf "$CACHE" "$ELSE" &&
	make_model org/a &&
	mkdir -p "$ELSE" &&
	mv "$(repo_dir org/a)" "$ELSE/models--org--a" &&
	ln -s "$ELSE/models--org--a" "$(repo_dir org/a)" &&
	printf orphan >"$ELSE/models--org--a/blobs/$ORPHAN" &&
	backdate "$ELSE/models--org--a/blobs/$ORPHAN" 7200
}

test_expect_success 'prune --force never deletes through a symlinked repo folder' '
	setup_linked_repo &&
	{ mlxk prune --force >out 2>err || :; } &&
	test_path_is_file "$ELSE/models--org--a/blobs/$ORPHAN" &&
	{ mlxk prune --detached --force >out 2>err || :; } &&
	test_path_is_file "$ELSE/models--org--a/blobs/$ORPHAN"
'

test_expect_success 'rm of a symlinked repo removes the link only' '
	setup_linked_repo &&
	{ mlxk rm org/a --force >out 2>err || :; } &&
	test_path_is_file "$ELSE/models--org--a/blobs/$ORPHAN" &&
	test_path_is_dir "$ELSE/models--org--a/snapshots"
'

test_expect_success 'health --cache reports a repo folder that is a symlink' '
	setup_linked_repo &&
	mlxk health --cache >out &&
	test_grep "^  models--org--a: a symbolic link" out &&
	mlxk --json health --cache >j &&
	json_check j "any(i[\"path\"] == \"models--org--a\" for i in d[\"data\"][\"cache\"][\"categories\"][\"unexpected_shapes\"][\"items\"])"
'

test_expect_success 'health --cache reports blobs/ as a symlink and other non-file shapes' '
	rm -rf "$CACHE" "$ELSE" &&
	make_model org/a && D=$(repo_dir org/a) &&
	mkdir -p "$ELSE" && mv "$D/blobs" "$ELSE/blobs" && ln -s "$ELSE/blobs" "$D/blobs" &&
	make_model org/b && B=$(repo_dir org/b) &&
	mkfifo "$B/blobs/fifo" &&
	mkdir "$B/blobs/0123456789012345678901234567890123456789" &&
	printf x >"$B/snapshots/not-a-dir" &&
	ln -s /etc "$B/refs/evil" &&
	mlxk health --cache >out &&
	test_grep "^  models--org--a/blobs: a symbolic link" out &&
	test_grep "^  models--org--b/blobs/fifo: a FIFO" out &&
	test_grep "^  models--org--b/blobs/0123456789012345678901234567890123456789: a directory" out &&
	test_grep "^  models--org--b/snapshots/not-a-dir: a regular file" out &&
	test_grep "^  models--org--b/refs/evil: a symbolic link" out &&
	{ mlxk prune --force >out 2>err || :; } &&
	test_path_is_dir "$ELSE/blobs" &&
	test "$(ls "$ELSE/blobs" | wc -l)" -ge 3
'

# Orphans: git prune's --expire. huggingface_hub links an existing blob
# without taking its lock, so a fresh orphan may be about to be used.
setup_orphan() {
	rm -rf "$CACHE" &&
	make_model org/a && D=$(repo_dir org/a) &&
	printf orphan >"$D/blobs/$ORPHAN"
}

test_expect_success 'prune keeps an orphan younger than the expiry (1 h by default)' '
	setup_orphan &&
	mlxk prune --force >out &&
	test_path_is_file "$D/blobs/$ORPHAN" &&
	backdate "$D/blobs/$ORPHAN" 7200 &&
	mlxk prune --force >out &&
	test_path_is_missing "$D/blobs/$ORPHAN"
'

test_expect_success 'prune --expire sets the orphan age' '
	setup_orphan &&
	backdate "$D/blobs/$ORPHAN" 600 &&
	mlxk prune --expire 1h --force >out &&
	test_path_is_file "$D/blobs/$ORPHAN" &&
	mlxk prune --expire 5m --force >out &&
	test_path_is_missing "$D/blobs/$ORPHAN" &&
	test_expect_code 2 mlxk prune --expire soon --dry-run 2>err &&
	test_grep "^mlxk: error: .*expire" err
'

test_expect_success 'prune re-checks an orphan under its lock: a link made after the scan keeps it' '
	setup_orphan && backdate "$D/blobs/$ORPHAN" 7200 &&
	tty_run -w 160 prune &&
	tty_wait "\[y/N\]" &&
	test_grep "blobs/$ORPHAN" screen &&
	C=$(commit_for org/a) &&
	ln -s "../../blobs/$ORPHAN" "$D/snapshots/$C/late.bin" &&
	tty_keys y Enter &&
	tty_wait "EXIT=" &&
	tty_finish &&
	test_path_is_file "$D/blobs/$ORPHAN" &&
	test_grep "linked by a snapshot since the scan" screen
'

test_expect_success 'prune --detached keeps a fresh snapshot that no ref names yet' '
	rm -rf "$CACHE" &&
	make_model org/a && D=$(repo_dir org/a) &&
	NEW=$(commit_for new) &&
	mkdir "$D/snapshots/$NEW" &&
	ln -s "../../blobs/$(ls "$D/blobs" | head -1)" "$D/snapshots/$NEW/config.json" &&
	mlxk prune --detached --force >out &&
	test_path_is_dir "$D/snapshots/$NEW" &&
	touch -h -d "@$(($(date +%s) - 7200))" "$D/snapshots/$NEW/config.json" "$D/snapshots/$NEW" &&
	mlxk prune --detached --force >out &&
	test_path_is_missing "$D/snapshots/$NEW"
'

# Hard links planted (by root here: protected_hardlinks stops ordinary
# users on Linux, not on macOS or BSD) to a file outside the cache.
OUT="$TRASH/outside"
plant() {
	printf "precious data" >"$OUT" && chmod 0600 "$OUT" &&
	ln "$OUT" "$1"
}
outside_untouched() {
	test "$(cat "$OUT")" = "precious data" &&
	test "$(stat -c %a "$OUT")" = 600
}

test_expect_success_if 'test "$(id -u)" = 0' '--fix-permissions never chmods a hard link to a file outside' '
	rm -rf "$CACHE" &&
	make_model org/a && D=$(repo_dir org/a) &&
	chmod 2775 "$CACHE" &&
	plant "$D/blobs/$ORPHAN" &&
	{ mlxk health --cache --fix-permissions >out 2>err || :; } &&
	outside_untouched &&
	test_grep "blobs/$ORPHAN.*hard link" out
'

. "$TEST_DIRECTORY/lib/fakehub.sh"
head -c 200000 /dev/urandom | hub_file org/model main model.safetensors
printf '{"model_type":"llama"}' | hub_file org/model main config.json
fakehub_start
R="$CACHE/models--org--model"
BLOB=$(sha256_of "$HUBROOT/org/model/main/model.safetensors")

test_expect_success_if 'test "$(id -u)" = 0' 'pull never resumes into a hard-linked .incomplete' '
	rm -rf "$CACHE" && mkdir -p "$R/blobs" &&
	plant "$R/blobs/$BLOB.incomplete" &&
	test_must_fail mlxk pull -q --force-resume org/model 2>err &&
	outside_untouched &&
	test_grep "^mlxk: error: .*$BLOB.incomplete.*hard link" err
'

test_expect_success_if 'test "$(id -u)" = 0' 'pull never truncates or chmods a hard-linked lock file' '
	rm -rf "$CACHE" && mkdir -p "$CACHE/.locks/models--org--model" &&
	plant "$CACHE/.locks/models--org--model/$BLOB.lock" &&
	test_must_fail mlxk pull -q org/model 2>err &&
	outside_untouched &&
	test_grep "^mlxk: error: .*$BLOB.lock.*hard link" err
'

# Each revision rN is a new commit of the fake Hub: its snapshot exists
# (no ref names it yet) while the pull links its files.
test_expect_success 'prune --detached racing pulls of new commits never breaks a pull' '
	rm -rf "$CACHE" && mlxk pull -q org/model &&
	for i in 1 2 3 4 5; do
		head -c 150000 /dev/urandom | hub_file org/model r$i model.safetensors &&
		printf "{\"model_type\":\"llama\",\"r\":$i}" | hub_file org/model r$i config.json &&
		knobs "{\"slow\": 1000000}" &&
		{ mlxk pull -q org/model@r$i >pull.out 2>pull.err & pid=$!; } &&
		while kill -0 $pid 2>/dev/null; do
			mlxk prune --detached --force >/dev/null 2>&1
		done &&
		{ wait $pid || { cat pull.err; return 1; }; } &&
		test -f "$R/snapshots/$(hub_commit org/model r$i)/model.safetensors" || return 1
	done
'

test_done
