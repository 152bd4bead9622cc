#!/bin/bash
# mlxk prune on a real terminal (tmux): it lists what goes and asks.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/tty.sh"

setup() {
	rm -rf "$CACHE" &&
	make_model org/a &&
	D=$(repo_dir org/a) &&
	O=$(printf orphan | sha256sum | cut -d" " -f1) &&
	head -c 2000 /dev/zero >"$D/blobs/$O" &&
	backdate "$D/blobs/$O" 7200
}

test_expect_success 'answering n deletes nothing' '
	setup &&
	tty_run -w 160 prune &&
	tty_wait "Delete 1 item (2.0KB)? \[y/N\]" &&
	test_grep "^orphan blobs: 1 (2.0KB)$" screen &&
	test_grep "^  models--org--a/blobs/$O (2.0KB)$" screen &&
	tty_keys n Enter &&
	tty_wait "EXIT=1" &&
	test_grep "Cancelled: nothing was deleted" screen &&
	tty_finish &&
	test_path_is_file "$D/blobs/$O"
'

test_expect_success 'answering y deletes' '
	setup &&
	tty_run -w 160 prune &&
	tty_wait "\[y/N\]" &&
	tty_keys y Enter &&
	tty_wait "EXIT=0" &&
	test_grep "^Freed 2.0KB: 1 removed" screen &&
	tty_finish &&
	test_path_is_missing "$D/blobs/$O"
'

test_expect_success 'health --verify shows progress on a terminal' '
	rm -rf "$CACHE" &&
	C=$(commit_for big) &&
	D=$(repo_dir org/big) &&
	mkdir -p "$D/blobs" "$D/snapshots/$C" &&
	B=$(printf big | sha256sum | cut -d" " -f1) &&
	truncate -s 1G "$D/blobs/$B" &&
	ln -s "../../blobs/$B" "$D/snapshots/$C/model.safetensors" &&
	tty_run -w 160 health --verify &&
	tty_wait "% .*/1.1GB  .*/s  ETA .*  0/1 files" &&
	tty_wait "EXIT=1" &&
	test_grep "^\[ERROR\] org/big@$C: 0 of 1 files verified, 1 corrupted$" screen &&
	test_grep ! "ETA" screen &&
	tty_finish
'

test_done
