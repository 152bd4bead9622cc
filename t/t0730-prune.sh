#!/bin/bash
# mlxk prune: each category of garbage, locks respected, links never
# followed, confirmation rules.
. "$(dirname "$0")/test-lib.sh"

export MLXK_LOCK_GRACE_MS=50
C=$(commit_for org/a)
OLD=$(commit_for old)
E1=$(printf e1 | sha256sum | cut -d" " -f1)
E2=$(printf e2 | sha1sum | cut -d" " -f1)

# A model with one of every kind of garbage.
setup() {
	rm -rf "$CACHE" &&
	make_model org/a &&
	D=$(repo_dir org/a) &&
	head -c 5000 /dev/urandom >"$D/blobs/$(printf orphan | sha256sum | cut -d" " -f1)" &&
	backdate "$D/blobs/$(printf orphan | sha256sum | cut -d" " -f1)" 7200 &&
	head -c 700 /dev/zero >"$D/blobs/$E1.0123abcd.incomplete" &&
	head -c 300 /dev/zero >"$D/blobs/$E2.incomplete" &&
	# untouched for two days: stale, not a pull to resume
	backdate "$D/blobs/$E1.0123abcd.incomplete" 172800 &&
	backdate "$D/blobs/$E2.incomplete" 172800 &&
	mkdir -p "$CACHE/.locks/models--org--a" "$CACHE/.locks/models--gone--x" &&
	touch "$CACHE/.locks/models--gone--x/$E1.lock" "$CACHE/.locks/models--gone--x/$E2.lock" &&
	mkdir -p "$D/.no_exist/$OLD" "$D/trees" &&
	touch "$D/.no_exist/$OLD/x.json" &&
	printf "{}" >"$D/trees/$OLD.json" &&
	printf "{}" >"$D/trees/$C.json"
}

# add_detached: a revision no ref names, with a blob of its own and one
# it shares with main.
add_detached() {
	D=$(repo_dir org/a) &&
	head -c 1000 /dev/urandom | add_file org/a "$OLD" own.bin --lfs >"$TRASH/own" &&
	W=$(basename "$(readlink "$D/snapshots/$C/model.safetensors")") &&
	ln -s "../../blobs/$W" "$D/snapshots/$OLD/shared.safetensors" &&
	# older than prune'"'"'s default expiry (1 h), as a real leftover is
	for f in "$D/snapshots/$OLD"/* "$D/snapshots/$OLD"; do
		backdate "$f" 7200 || return 1
	done
}

test_expect_success '--dry-run lists every category and changes nothing' '
	setup &&
	find "$CACHE" | sort >before &&
	mlxk prune --dry-run >out &&
	find "$CACHE" | sort >after &&
	test_cmp before after &&
	test_grep "^orphan blobs: 1 (5.0KB)$" out &&
	test_grep "^stale .incomplete files: 2 (1.0KB)$" out &&
	test_grep "^lock folders of missing repos: 1 (0B)$" out &&
	test_grep "^.no_exist entries of missing revisions: 1 (0B)$" out &&
	test_grep "^trees entries of missing revisions: 1 (2B)$" out &&
	test_grep "^Would free 6.0KB: 6 to remove, 0 kept (in use), 0 failed$" out
'

test_expect_success 'without a terminal prune needs --force (exit 2, one line)' '
	setup &&
	test_expect_code 2 mlxk prune </dev/null >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: not deleting 6 items (6.0KB) without a terminal to ask; review with .mlxk prune --dry-run., then run .mlxk prune --force.$" err &&
	test_path_is_dir "$(repo_dir org/a)/.no_exist/$OLD" &&
	test_expect_code 2 mlxk --json prune </dev/null >j &&
	json_check j "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"requires_confirmation\""
'

test_expect_success '--force removes each category and reports bytes freed' '
	setup &&
	D=$(repo_dir org/a) &&
	mlxk prune --force >out &&
	test_grep "^Freed 6.0KB: 6 removed, 0 kept (in use), 0 failed$" out &&
	test_path_is_missing "$D/blobs/$(printf orphan | sha256sum | cut -d" " -f1)" &&
	test_path_is_missing "$D/blobs/$E1.0123abcd.incomplete" &&
	test_path_is_missing "$D/blobs/$E2.incomplete" &&
	test_path_is_missing "$CACHE/.locks/models--gone--x" &&
	test_path_is_missing "$D/.no_exist/$OLD" &&
	test_path_is_missing "$D/trees/$OLD.json" &&
	test_path_is_file "$D/trees/$C.json" &&
	test_path_is_dir "$CACHE/.locks/models--org--a" &&
	mlxk health --verify org/a >v &&
	mlxk health --cache >h &&
	test_grep "^No problems found$" h &&
	mlxk prune --force >again &&
	test_grep "^Nothing to prune$" again
'

test_expect_success 'old temporary files of interrupted writes go, young ones and links stay' '
	setup &&
	mkdir -p "$D/refs/pr" &&
	printf "%s" "$C" >"$D/refs/main.0a1b2c3d.tmp" &&
	printf "%s" "$C" >"$D/refs/pr/1.deadbeef.tmp" &&
	printf "{}" >"$D/trees/tmpa_b9x0zq.tmp" &&
	printf "%s" "$C" >"$D/refs/v2.cafe0123.tmp" &&
	echo keep >"$TRASH/outside.0a1b2c3d.tmp" &&
	ln -s "$TRASH/outside.0a1b2c3d.tmp" "$D/refs/link.0a1b2c3d.tmp" &&
	touch -d "2 hours ago" "$D/refs/main.0a1b2c3d.tmp" "$D/refs/pr/1.deadbeef.tmp" \
		"$D/trees/tmpa_b9x0zq.tmp" "$TRASH/outside.0a1b2c3d.tmp" &&
	mlxk --json prune --dry-run >j &&
	json_check j "sorted(i[\"path\"] for i in d[\"data\"][\"items\"] if i[\"category\"] == \"stale_temp_files\") == [\"models--org--a/refs/main.0a1b2c3d.tmp\", \"models--org--a/refs/pr/1.deadbeef.tmp\", \"models--org--a/trees/tmpa_b9x0zq.tmp\"]" &&
	test_path_is_file "$D/refs/main.0a1b2c3d.tmp" &&
	mlxk prune --force >out &&
	test_path_is_missing "$D/refs/main.0a1b2c3d.tmp" &&
	test_path_is_missing "$D/refs/pr/1.deadbeef.tmp" &&
	test_path_is_missing "$D/trees/tmpa_b9x0zq.tmp" &&
	test_path_is_file "$D/refs/v2.cafe0123.tmp" &&
	test_path_is_file "$TRASH/outside.0a1b2c3d.tmp" &&
	test -L "$D/refs/link.0a1b2c3d.tmp" &&
	test_path_is_file "$D/refs/main" &&
	{ mlxk health org/a >h; test $? -le 1; } &&
	mlxk health --cache >h &&
	test_grep "^unexpected file types (left alone): 1$" h &&
	test_grep "^  models--org--a/refs/link.0a1b2c3d.tmp: a symbolic link, not a regular file: left alone$" h
'

test_expect_success 'JSON reports every item with its status and bytes' '
	setup &&
	mlxk --json prune --force >j &&
	json_check j "d[\"status\"] == \"success\" and d[\"command\"] == \"prune\"" &&
	json_check j "d[\"data\"][\"summary\"] == {\"removed\": 6, \"busy\": 0, \"failed\": 0, \"too_young\": 0, \"bytes_freed\": 6002}" &&
	json_check j "sorted(set(i[\"category\"] for i in d[\"data\"][\"items\"])) == [\"orphan_blobs\", \"orphan_lock_folders\", \"orphan_no_exist\", \"orphan_trees\", \"stale_incomplete\"]" &&
	json_check j "all(i[\"status\"] == \"removed\" for i in d[\"data\"][\"items\"])" &&
	setup &&
	mlxk prune --json --dry-run >j &&
	json_check j "d[\"data\"][\"dry_run\"] == True and d[\"data\"][\"summary\"][\"bytes_freed\"] == 6002 and \"would_free_bytes\" not in d[\"data\"][\"summary\"]" &&
	json_check j "all(i[\"status\"] == \"would_remove\" for i in d[\"data\"][\"items\"])"
'

test_expect_success 'detached revisions go only with --detached' '
	setup && add_detached &&
	D=$(repo_dir org/a) &&
	mlxk prune --force >out &&
	test_path_is_dir "$D/snapshots/$OLD" &&
	mlxk --json prune --dry-run --detached >j &&
	json_check j "[(i[\"path\"], i[\"bytes\"]) for i in d[\"data\"][\"items\"] if i[\"category\"] == \"detached_revisions\"] == [(\"models--org--a/snapshots/$OLD\", 1002)]" &&
	mlxk prune --force --detached >out &&
	test_grep "^removed models--org--a/snapshots/$OLD$" out &&
	test_grep "^Freed 1.0KB: 1 removed" out &&
	test_path_is_missing "$D/snapshots/$OLD" &&
	test_path_is_missing "$D/blobs/$(cat "$TRASH/own")" &&
	mlxk health --verify org/a >v
'

test_expect_success 'a partial download younger than a day stays, whatever --expire says' '
	setup &&
	D=$(repo_dir org/a) &&
	E3=$(printf e3 | sha256sum | cut -d" " -f1) &&
	head -c 400 /dev/zero >"$D/blobs/$E3.incomplete" &&
	backdate "$D/blobs/$E3.incomplete" 82800 &&
	touch "$CACHE/.locks/models--org--a/$E3.lock" &&
	mlxk prune --dry-run >out &&
	test_grep ! "$E3" out &&
	mlxk --json prune --force --expire now >j &&
	test_path_is_file "$D/blobs/$E3.incomplete" &&
	test_path_is_missing "$D/blobs/$E2.incomplete" &&
	json_check j "not any(\"$E3\" in i[\"path\"] for i in d[\"data\"][\"items\"])" &&
	mlxk --json health --cache >h &&
	json_check h "d[\"data\"][\"cache\"][\"categories\"][\"resumable_incomplete\"][\"count\"] == 1" &&
	backdate "$D/blobs/$E3.incomplete" 90000 &&
	mlxk prune --force >out &&
	test_path_is_missing "$D/blobs/$E3.incomplete" &&
	test_grep "^removed models--org--a/blobs/$E3.incomplete$" out
'

test_expect_success 'a stale .incomplete whose lock gets taken is kept' '
	setup &&
	D=$(repo_dir org/a) &&
	L="$CACHE/.locks/models--org--a/$E1.lock" &&
	touch "$L" &&
	hold_flock "$L" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk --json prune --force >j &&
	test_path_is_file "$D/blobs/$E1.0123abcd.incomplete" &&
	test_path_is_missing "$D/blobs/$E2.incomplete" &&
	json_check j "d[\"data\"][\"summary\"][\"removed\"] == 5"
'

test_expect_success 'an orphan blob whose lock is held while pruning is kept' '
	setup &&
	D=$(repo_dir org/a) &&
	O=$(printf orphan | sha256sum | cut -d" " -f1) &&
	L="$CACHE/.locks/models--org--a/$O.lock" &&
	touch "$L" &&
	hold_flock "$L" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk prune --force >out &&
	test_path_is_file "$D/blobs/$O" &&
	test_grep "^kept models--org--a/blobs/$O: its blob lock is held (download in progress)$" out &&
	test_grep "^Freed .*: 5 removed, 1 kept (in use), 0 failed$" out
'

test_expect_success 'a held lock in a leftover lock folder keeps it' '
	setup &&
	L="$CACHE/.locks/models--gone--x/$E1.lock" &&
	hold_flock "$L" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk prune --force >out &&
	test_path_is_file "$L" &&
	test_path_is_missing "$CACHE/.locks/models--gone--x/$E2.lock" &&
	test_grep "^kept .locks/models--gone--x: 1 lock file kept (held)$" out
'

test_expect_success 'links are never followed: a symlinked repo keeps its target' '
	rm -rf "$CACHE" "$TRASH/elsewhere" &&
	mkdir -p "$TRASH/elsewhere/.no_exist/$OLD" "$TRASH/elsewhere/snapshots" &&
	touch "$TRASH/elsewhere/.no_exist/$OLD/keep" &&
	mkdir -p "$CACHE" &&
	ln -s "$TRASH/elsewhere" "$CACHE/models--org--link" &&
	mlxk --json prune --force >j &&
	test_path_is_file "$TRASH/elsewhere/.no_exist/$OLD/keep" &&
	json_check j "all(i[\"status\"] != \"removed\" for i in d[\"data\"][\"items\"])"
'

test_expect_success 'a link inside .no_exist is unlinked, its target kept' '
	setup &&
	D=$(repo_dir org/a) &&
	printf keep >"$TRASH/victim" &&
	ln -s "$TRASH/victim" "$D/.no_exist/$OLD/evil" &&
	mkdir -p "$TRASH/victimdir" && touch "$TRASH/victimdir/f" &&
	ln -s "$TRASH/victimdir" "$D/.no_exist/$OLD/evildir" &&
	mlxk prune --force >out &&
	test_path_is_missing "$D/.no_exist/$OLD" &&
	test_path_is_file "$TRASH/victim" &&
	test_path_is_file "$TRASH/victimdir/f"
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 mlxk prune --frob 2>err &&
	test_grep "unknown option" err &&
	test_expect_code 2 mlxk prune extra 2>err
'

test_done
