#!/bin/bash
# health --cache: whole-cache diagnostics, one category at a time.
. "$(dirname "$0")/test-lib.sh"

C=$(commit_for org/a)
OLD=$(commit_for old)

# cat_count FILE KEY: the count of a category in --json output.
cat_json() {
	json "$1" "d[\"data\"][\"cache\"][\"categories\"][\"$2\"]$3"
}

test_expect_success 'a clean cache has no problems' '
	make_model org/a &&
	mlxk health --cache >out &&
	test_grep "^Cache .*: 1 repos$" out &&
	test_grep "^No problems found$" out &&
	mlxk --json health --cache >j &&
	json_check j "d[\"status\"] == \"success\" and d[\"command\"] == \"health\"" &&
	json_check j "all(v[\"count\"] == 0 for v in d[\"data\"][\"cache\"][\"categories\"].values())" &&
	json_check j "d[\"data\"][\"cache\"][\"repos\"] == 1"
'

test_expect_success 'orphan blobs are found with their size' '
	D=$(repo_dir org/a) &&
	head -c 5000 /dev/urandom >"$TRASH/o" &&
	O=$(sha256_of "$TRASH/o") &&
	mv "$TRASH/o" "$D/blobs/$O" &&
	mlxk health --cache >out &&
	test_grep "^orphan blobs: 1 (5.0KB)$" out &&
	test_grep "^  models--org--a/blobs/$O (5.0KB)$" out &&
	mlxk --json health --cache >j &&
	test "$(cat_json j orphan_blobs "[\"count\"]")" = 1 &&
	test "$(cat_json j orphan_blobs "[\"bytes\"]")" = 5000 &&
	test "$(cat_json j orphan_blobs "[\"items\"][0][\"path\"]")" = "models--org--a/blobs/$O" &&
	json_check j "d[\"data\"][\"cache\"][\"prunable_bytes\"] == 5000"
'

test_expect_success 'a blob linked by any revision is not an orphan' '
	D=$(repo_dir org/a) &&
	mkdir -p "$D/snapshots/$OLD" &&
	for b in "$D"/blobs/*; do
		n=$(basename "$b") &&
		ln -sf "../../blobs/$n" "$D/snapshots/$OLD/$n" || return 1
	done &&
	mlxk --json health --cache >j &&
	test "$(cat_json j orphan_blobs "[\"count\"]")" = 0 &&
	rm -rf "$D/snapshots/$OLD"
'

test_expect_success 'stale .incomplete files: both namings, lock missing or free' '
	D=$(repo_dir org/a) &&
	E1=$(printf e1 | sha256sum | cut -d" " -f1) &&
	E2=$(printf e2 | sha1sum | cut -d" " -f1) &&
	head -c 700 /dev/zero >"$D/blobs/$E1.0123abcd.incomplete" &&
	head -c 300 /dev/zero >"$D/blobs/$E2.incomplete" &&
	backdate "$D/blobs/$E1.0123abcd.incomplete" 172800 &&
	backdate "$D/blobs/$E2.incomplete" 172800 &&
	mkdir -p "$CACHE/.locks/models--org--a" &&
	touch "$CACHE/.locks/models--org--a/$E2.lock" &&
	mlxk --json health --cache >j &&
	test "$(cat_json j resumable_incomplete "[\"count\"]")" = 0 &&
	test "$(cat_json j stale_incomplete "[\"count\"]")" = 2 &&
	test "$(cat_json j stale_incomplete "[\"bytes\"]")" = 1000 &&
	json_check j "sorted(i[\"detail\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"stale_incomplete\"][\"items\"]) == [\"lock .locks/models--org--a/$E1.lock missing\", \"lock .locks/models--org--a/$E2.lock not held\"]"
'

test_expect_success 'a partial download changed within a day is resumable, not stale' '
	D=$(repo_dir org/a) &&
	E3=$(printf e3 | sha256sum | cut -d" " -f1) &&
	head -c 400 /dev/zero >"$D/blobs/$E3.incomplete" &&
	backdate "$D/blobs/$E3.incomplete" 82800 &&
	mlxk --json health --cache >j &&
	test "$(cat_json j stale_incomplete "[\"count\"]")" = 2 &&
	test "$(cat_json j resumable_incomplete "[\"count\"]")" = 1 &&
	test "$(cat_json j resumable_incomplete "[\"bytes\"]")" = 400 &&
	test "$(cat_json j resumable_incomplete "[\"items\"][0][\"next\"]")" = "mlxk pull --force-resume org/a" &&
	test "$(cat_json j stale_incomplete "[\"items\"][0][\"next\"]")" = "mlxk prune" &&
	json_check j "d[\"data\"][\"cache\"][\"prunable_bytes\"] == 6000" &&
	mlxk health --cache >out &&
	test_grep "^stale .incomplete files: 2 (1.0KB)$" out &&
	test_grep "^resumable partial downloads: 1 (400B)$" out &&
	test_grep "^  models--org--a/blobs/$E3.incomplete (400B): lock .locks/models--org--a/$E3.lock missing$" out &&
	test_grep "^  next: mlxk pull --force-resume org/a$" out &&
	test_grep "^  next: mlxk prune$" out &&
	rm "$D/blobs/$E3.incomplete"
'

test_expect_success 'an .incomplete file whose lock is held is an active download' '
	D=$(repo_dir org/a) &&
	E2=$(printf e2 | sha1sum | cut -d" " -f1) &&
	L="$CACHE/.locks/models--org--a/$E2.lock" &&
	hold_flock "$L" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk --json health --cache >j &&
	mlxk health --cache >out &&
	test "$(cat_json j stale_incomplete "[\"count\"]")" = 1 &&
	json_check j "d[\"data\"][\"cache\"][\"active_downloads\"] == 1" &&
	test_grep "^1 download in progress (lock held)$" out &&
	test_grep ! "$E2.incomplete" out
'

test_expect_success 'dangling links and links out of the repo' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	B=$(basename "$(readlink "$D/snapshots/$C/config.json")") &&
	rm "$D/blobs/$B" &&
	ln -s /etc/passwd "$D/snapshots/$C/evil" &&
	mlxk health --cache >out &&
	test_grep "^dangling links: 2$" out &&
	test_grep "^  models--org--a/snapshots/$C/config.json: blob $B is missing$" out &&
	test_grep "^  models--org--a/snapshots/$C/evil: points outside the repo.s blobs: /etc/passwd$" out
'

test_expect_success 'bad refs: trailing newline, missing snapshot, garbage' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	printf "%s\n" "$C" >"$D/refs/nl" &&
	printf "%s" "$OLD" >"$D/refs/gone" &&
	printf "hello" >"$D/refs/junk" &&
	mlxk --json health --cache >j &&
	test "$(cat_json j bad_refs "[\"count\"]")" = 3 &&
	json_check j "sorted((i[\"path\"], i[\"detail\"]) for i in d[\"data\"][\"cache\"][\"categories\"][\"bad_refs\"][\"items\"]) == [(\"models--org--a/refs/gone\", \"points to missing snapshot $OLD\"), (\"models--org--a/refs/junk\", \"content is not a commit hash\"), (\"models--org--a/refs/nl\", \"has a trailing newline or space, which huggingface_hub cannot read\")]"
'

test_expect_success 'detached revisions with the bytes only they use' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	head -c 1000 /dev/urandom | add_file org/a "$OLD" own.bin --lfs >/dev/null &&
	W=$(basename "$(readlink "$D/snapshots/$C/model.safetensors")") &&
	ln -s "../../blobs/$W" "$D/snapshots/$OLD/shared.safetensors" &&
	printf "12345" >"$D/snapshots/$OLD/copy.txt" &&
	mlxk --json health --cache >j &&
	test "$(cat_json j detached_revisions "[\"count\"]")" = 1 &&
	test "$(cat_json j detached_revisions "[\"items\"][0][\"path\"]")" = "models--org--a/snapshots/$OLD" &&
	test "$(cat_json j detached_revisions "[\"items\"][0][\"bytes\"]")" = 1005 &&
	json_check j "d[\"data\"][\"cache\"][\"detached_bytes\"] == 1005" &&
	mlxk health --cache >out &&
	test_grep "^Reclaimable with .mlxk prune.: 0B (detached revisions: 1.0KB more with .mlxk prune --detached.)$" out
'

test_expect_success 'lock folders of missing repos' '
	rm -rf "$CACHE" && make_model org/a &&
	mkdir -p "$CACHE/.locks/models--org--a" "$CACHE/.locks/models--gone--x" &&
	touch "$CACHE/.locks/models--org--a/a.lock" "$CACHE/.locks/models--gone--x/b.lock" &&
	mlxk --json health --cache >j &&
	test "$(cat_json j orphan_lock_folders "[\"count\"]")" = 1 &&
	test "$(cat_json j orphan_lock_folders "[\"items\"][0][\"path\"]")" = ".locks/models--gone--x"
'

test_expect_success '.no_exist and trees entries of missing revisions' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	mkdir -p "$D/.no_exist/$OLD" "$D/.no_exist/$C" "$D/trees" &&
	touch "$D/.no_exist/$OLD/x.json" "$D/.no_exist/$C/y.json" &&
	printf "{}" >"$D/trees/$OLD.json" &&
	printf "{}" >"$D/trees/$C.json" &&
	mlxk --json health --cache >j &&
	test "$(cat_json j orphan_no_exist "[\"count\"]")" = 1 &&
	test "$(cat_json j orphan_no_exist "[\"items\"][0][\"path\"]")" = "models--org--a/.no_exist/$OLD" &&
	test "$(cat_json j orphan_trees "[\"count\"]")" = 1 &&
	test "$(cat_json j orphan_trees "[\"items\"][0][\"path\"]")" = "models--org--a/trees/$OLD.json" &&
	test "$(cat_json j orphan_trees "[\"bytes\"]")" = 2
'

test_expect_success 'temporary files of interrupted writes, once an hour old' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	mkdir -p "$D/trees" "$D/refs/pr" &&
	printf "%s" "$C" >"$D/refs/main.0a1b2c3d.tmp" &&
	printf "%s" "$C" >"$D/refs/pr/1.deadbeef.tmp" &&
	printf "{}" >"$D/trees/tmpa_b9x0zq.tmp" &&
	printf "{}" >"$D/trees/$C.json.12345678.tmp" &&
	printf "{}" >"$D/trees/tmpshort.tmp" &&
	printf "%s" "$C" >"$D/refs/v2.cafe0123.tmp" &&
	printf "{}" >"$D/trees/notes.tmp" &&
	printf "{}" >"$D/trees/$C.json" &&
	touch -d "2 hours ago" "$D/refs/main.0a1b2c3d.tmp" "$D/refs/pr/1.deadbeef.tmp" \
		"$D/trees/tmpa_b9x0zq.tmp" "$D/trees/$C.json.12345678.tmp" \
		"$D/trees/notes.tmp" &&
	touch -d "2 hours ago" "$D/trees/tmpshort.tmp" &&
	touch -d "10 minutes ago" "$D/refs/v2.cafe0123.tmp" &&
	ln -s "$TRASH/elsewhere.0a1b2c3d.tmp" "$D/refs/link.0a1b2c3d.tmp" &&
	mlxk --json health --cache >j &&
	test "$(cat_json j stale_temp_files "[\"count\"]")" = 4 &&
	json "j" "sorted(i[\"path\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"stale_temp_files\"][\"items\"])" >paths &&
	cat >expect <<-EOF &&
	["models--org--a/refs/main.0a1b2c3d.tmp", "models--org--a/refs/pr/1.deadbeef.tmp", "models--org--a/trees/$C.json.12345678.tmp", "models--org--a/trees/tmpa_b9x0zq.tmp"]
	EOF
	test_cmp expect paths &&
	test "$(cat_json j stale_temp_files "[\"bytes\"]")" = 84 &&
	test "$(cat_json j orphan_trees "[\"count\"]")" = 0 &&
	mlxk health --cache >out &&
	test_grep "^temporary files of interrupted writes: 4 (84B)$" out &&
	test_grep "^  models--org--a/refs/pr/1.deadbeef.tmp (40B)$" out
'

test_expect_success 'a record of finished ranges whose partial file is gone' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	E=$(printf x | sha256sum | cut -c1-64) &&
	F=$(printf y | sha256sum | cut -c1-64) &&
	printf "mlxk-ranges 1 100\n0 10\n" >"$D/blobs/$E.incomplete.ranges" &&
	printf "mlxk-ranges 1 100\n0 10\n" >"$D/blobs/$F.incomplete.ranges" &&
	head -c 101 /dev/zero >"$D/blobs/$F.incomplete" &&
	touch -d "2 hours ago" "$D/blobs/$E.incomplete.ranges" \
		"$D/blobs/$F.incomplete.ranges" &&
	mlxk --json health --cache >j &&
	json "j" "[i[\"path\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"stale_temp_files\"][\"items\"]]" >paths &&
	echo "[\"models--org--a/blobs/$E.incomplete.ranges\"]" >expect &&
	test_cmp expect paths &&
	test "$(cat_json j orphan_blobs "[\"count\"]")" = 0 &&
	mlxk prune --force >out &&
	test_path_is_missing "$D/blobs/$E.incomplete.ranges" &&
	test_path_is_file "$D/blobs/$F.incomplete.ranges" &&
	test_path_is_file "$D/blobs/$F.incomplete"
'

test_expect_success 'an orphaned record goes under its blob lock: kept while a pull holds it' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	E=$(printf x | sha256sum | cut -c1-64) &&
	printf "mlxk-ranges 1 100\n0 10\n" >"$D/blobs/$E.incomplete.ranges" &&
	touch -d "2 hours ago" "$D/blobs/$E.incomplete.ranges" &&
	L="$CACHE/.locks/models--org--a/$E.lock" &&
	mkdir -p "${L%/*}" && touch "$L" &&
	hold_flock "$L" &&
	test_when_finished "kill_tree $HOLDER; wait" &&
	mlxk prune --force >out &&
	test_path_is_file "$D/blobs/$E.incomplete.ranges" &&
	test_grep "^kept models--org--a/blobs/$E.incomplete.ranges: its blob lock is held" out &&
	kill_tree $HOLDER && wait &&
	mlxk prune --force >out &&
	test_path_is_missing "$D/blobs/$E.incomplete.ranges"
'

test_expect_success 'a young orphaned record stays: its pull may be starting' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	E=$(printf x | sha256sum | cut -c1-64) &&
	printf "mlxk-ranges 1 100\n0 10\n" >"$D/blobs/$E.incomplete.ranges" &&
	mlxk --json health --cache >j &&
	test "$(cat_json j stale_temp_files "[\"count\"]")" = 0 &&
	mlxk prune --force &&
	test_path_is_file "$D/blobs/$E.incomplete.ranges"
'

test_expect_success 'datasets--, spaces-- and kernels-- repos are covered' '
	rm -rf "$CACHE" && make_model org/a &&
	for t in datasets spaces kernels; do
		mkdir -p "$CACHE/$t--o--r/blobs" "$CACHE/$t--o--r/snapshots/$OLD" &&
		printf x >"$CACHE/$t--o--r/blobs/$(printf $t | sha1sum | cut -d" " -f1)" || return 1
	done &&
	mlxk --json health --cache >j &&
	json_check j "d[\"data\"][\"cache\"][\"repos\"] == 4" &&
	test "$(cat_json j orphan_blobs "[\"count\"]")" = 3 &&
	test "$(cat_json j detached_revisions "[\"count\"]")" = 3 &&
	json_check j "sorted(i[\"repo\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"orphan_blobs\"][\"items\"]) == [\"datasets--o--r\", \"kernels--o--r\", \"spaces--o--r\"]"
'

test_expect_success 'long categories are cut at 20 items with a count' '
	rm -rf "$CACHE" && make_model org/a &&
	D=$(repo_dir org/a) &&
	for i in $(seq 25); do
		printf "$i" >"$D/blobs/$(printf "o$i" | sha1sum | cut -d" " -f1)" || return 1
	done &&
	mlxk health --cache >out &&
	test_grep "^orphan blobs: 25 " out &&
	test_grep "^  \.\.\. and 5 more$" out &&
	test $(grep -c "^  models--org--a/blobs/" out) = 20
'

test_expect_success 'a missing cache has no problems' '
	rm -rf "$CACHE" &&
	mlxk health --cache >out &&
	test_grep "^No problems found$" out
'

test_expect_success '--verify and --cache together' '
	rm -rf "$CACHE" && make_model org/a &&
	mlxk --json health --verify --cache >j &&
	json_check j "d[\"data\"][\"verify\"][\"summary\"][\"verified\"] == 4" &&
	json_check j "d[\"data\"][\"cache\"][\"repos\"] == 1"
'

test_done
