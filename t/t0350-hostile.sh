#!/bin/bash
# Hostile caches: loops, links out of the cache, FIFOs, devices, huge and
# deeply nested files, invalid UTF-8, broken refs. Nothing may crash, hang
# or read outside; every problem lands on its own model and the others
# are still listed.
. "$(dirname "$0")/test-lib.sh"

T="timeout 20"

# entry FILE NAME: the health entry of NAME as "status|reason".
# (Through the script's one json server: a Python start per call cost
# more than the rest of the test.)
entry() {
	json "$1" "next((e[\"status\"] + \"|\" + e[\"reason\"] for e in d[\"data\"][\"healthy\"] + d[\"data\"][\"unhealthy\"] if e[\"name\"] == \"$2\"), \"\")"
}

expect_entry() {
	local got
	got=$(entry health.json "$1")
	case "$got" in
	$2) return 0 ;;
	esac
	echo "error: $1: got '$got', wanted '$2'" >&2
	return 1
}

snap() {
	echo "$(repo_dir "$1")/snapshots/$(commit_for "$1")"
}

# everything: list and health in JSON must succeed and stay valid.
run_all() {
	$T "$MLXK_BIN" list --json >list.json &&
	python3 "$TEST_DIRECTORY/lib/check-model.py" list.json >/dev/null &&
	# health exits 1 when a model is unhealthy: anything more is a crash.
	{ $T "$MLXK_BIN" health --json >health.json; test $? -le 1; } &&
	$T "$MLXK_BIN" list --all --health --verbose >/dev/null &&
	{ $T "$MLXK_BIN" health >/dev/null; test $? -le 1; } &&
	json_check list.json "\"org/good\" in [m[\"name\"] for m in d[\"data\"][\"models\"]]" &&
	expect_entry org/good "healthy|Model is healthy"
}

test_expect_success 'setup: a good model next to every bad one' '
	make_model org/good &&
	echo secret >"$TRASH/outside.txt"
'

test_expect_success 'symlink loops inside a snapshot' '
	make_model org/loops &&
	s=$(snap org/loops) &&
	ln -s b "$s/a" && ln -s a "$s/b" && ln -s self "$s/self" &&
	mkdir "$s/dir" && ln -s .. "$s/dir/up" && ln -s . "$s/dir/here" &&
	run_all &&
	expect_entry org/loops "unhealthy|Symlink points outside the repo*s blobs: a -> b (and * more broken files)"
'

test_expect_success 'links out of the cache are reported, never followed' '
	make_model org/escape &&
	s=$(snap org/escape) &&
	rm "$s/config.json" &&
	ln -s "$TRASH/outside.txt" "$s/config.json" &&
	run_all &&
	expect_entry org/escape "unhealthy|Symlink points outside the repo*s blobs: config.json -> $TRASH/outside.txt" &&
	$T "$MLXK_BIN" show org/escape --config --json >out &&
	test_grep ! secret out &&
	make_model org/escape2 &&
	s=$(snap org/escape2) &&
	ln -s ../../../../../outside.txt "$s/notes.txt" &&
	run_all &&
	expect_entry org/escape2 "unhealthy|Symlink points outside the repo*s blobs: notes.txt -> ../../../../../outside.txt"
'

test_expect_success 'a link to /dev/zero and a blob that is a device link' '
	make_model org/zero &&
	s=$(snap org/zero) &&
	ln -s /dev/zero "$s/zero.bin" &&
	run_all &&
	expect_entry org/zero "unhealthy|Symlink points outside*zero.bin -> /dev/zero" &&
	make_model org/zeroblob &&
	s=$(snap org/zeroblob) &&
	ln -s /dev/zero "$(repo_dir org/zeroblob)/blobs/zzz" &&
	rm "$s/config.json" && ln -s ../../blobs/zzz "$s/config.json" &&
	run_all &&
	expect_entry org/zeroblob "unhealthy|Not a regular file: config.json"
'

test_expect_success 'FIFOs: as a blob and in the snapshot' '
	make_model org/fifo &&
	mkfifo "$(repo_dir org/fifo)/blobs/fifoblob" &&
	s=$(snap org/fifo) &&
	rm "$s/config.json" && ln -s ../../blobs/fifoblob "$s/config.json" &&
	make_model org/fifo2 &&
	mkfifo "$(snap org/fifo2)/tokenizer.model" &&
	run_all &&
	expect_entry org/fifo "unhealthy|Not a regular file: config.json" &&
	expect_entry org/fifo2 "unhealthy|Not a regular file: tokenizer.model" &&
	$T "$MLXK_BIN" show org/fifo --config >/dev/null &&
	$T "$MLXK_BIN" show org/fifo2 --files >out &&
	test_grep "tokenizer.model" out
'

test_expect_success 'a dangling snapshot link names the file (bug 4.1.2)' '
	make_model org/dangle &&
	s=$(snap org/dangle) &&
	blob=$(basename "$(readlink "$s/model.safetensors")") &&
	rm "$(repo_dir org/dangle)/blobs/$blob" &&
	run_all &&
	expect_entry org/dangle "unhealthy|Dangling symlink: model.safetensors (blob $blob missing)" &&
	$T "$MLXK_BIN" show org/dangle --files --json >out &&
	json_check out "d[\"data\"][\"model\"][\"health\"] == \"unhealthy\""
'

test_expect_success 'a 200 MB (sparse) config.json is not read' '
	make_model org/huge &&
	s=$(snap org/huge) &&
	truncate -s 200M "$(repo_dir org/huge)/blobs/hugeblob" &&
	rm "$s/config.json" && ln -s ../../blobs/hugeblob "$s/config.json" &&
	run_all &&
	expect_entry org/huge "unhealthy|config.json cannot be read: *too large*" &&
	$T "$MLXK_BIN" show org/huge --config --json >out &&
	json_check out "d[\"data\"][\"config\"] is None"
'

test_expect_success 'a deeply nested config.json is invalid JSON, not a crash' '
	make_model org/deep &&
	c=$(commit_for org/deep) &&
	python3 -c "print(\"[\" * 100000)" | add_file org/deep $c config.json >/dev/null &&
	python3 -c "print(\"{\\\"chat_template\\\":\" * 50000)" | add_file org/deep $c tokenizer.json >/dev/null &&
	run_all &&
	expect_entry org/deep "unhealthy|config.json contains invalid JSON"
'

test_expect_success 'invalid UTF-8 in folder and file names keeps JSON valid' '
	make_model "org/bad$(printf "\377")name" &&
	make_model org/badfile &&
	s=$(snap org/badfile) &&
	ln -s "$(printf "\376")" "$s/$(printf "x\375").json" &&
	run_all &&
	json_check list.json "any(m[\"name\"] == \"org/bad\ufffdname\" for m in d[\"data\"][\"models\"])" &&
	expect_entry org/badfile "unhealthy|Symlink points outside*x*.json -> *" &&
	$T "$MLXK_BIN" list --all >out &&
	$T "$MLXK_BIN" show org/badfile --files --json >out &&
	python3 -c "import json; json.load(open(\"out\"))"
'

test_expect_success 'refs with a trailing newline or garbage' '
	make_model org/nlref &&
	printf "%s\n" "$(commit_for org/nlref)" >"$(repo_dir org/nlref)/refs/main" &&
	make_model org/junkref &&
	printf "garbage\0\377" >"$(repo_dir org/junkref)/refs/main" &&
	make_model org/lostref &&
	set_ref org/lostref main 0123456789abcdef0123456789abcdef01234567 &&
	run_all &&
	expect_entry org/nlref "unhealthy|ref *main* has trailing whitespace or a newline" &&
	expect_entry org/junkref "unhealthy|ref *main* is not a commit hash" &&
	expect_entry org/lostref "unhealthy|ref *main* points to missing snapshot 0123456789abcdef0123456789abcdef01234567" &&
	json_check list.json "[m[\"hash\"] for m in d[\"data\"][\"models\"] if m[\"name\"] == \"org/nlref\"] == [\"$(commit_for org/nlref)\"]"
'

test_expect_success 'empty and missing snapshots/' '
	mkdir -p "$(repo_dir org/nosnaps)/snapshots" "$(repo_dir org/nosnapdir)/refs" &&
	run_all &&
	expect_entry org/nosnaps "unhealthy|No snapshots found" &&
	expect_entry org/nosnapdir "unhealthy|No snapshots directory found"
'

test_expect_success 'snapshots/ holding files and links instead of folders' '
	make_model org/oddsnap &&
	echo x >"$(repo_dir org/oddsnap)/snapshots/stray-file" &&
	ln -s /etc "$(repo_dir org/oddsnap)/snapshots/etc-link" &&
	run_all &&
	expect_entry org/oddsnap "unhealthy|snapshots/*is not a directory*"
'

test_expect_success 'interrupted downloads (blobs/*.incomplete)' '
	make_model org/inflight &&
	: >"$(repo_dir org/inflight)/blobs/abc.1234abcd.incomplete" &&
	: >"$(repo_dir org/inflight)/blobs/def.incomplete" &&
	run_all &&
	expect_entry org/inflight "unhealthy|download interrupted or in progress: 2 incomplete file(s)"
'

test_expect_success 'a repo folder that is a symlink loop or a file' '
	ln -s models--org--loop "$CACHE/models--org--loop" &&
	run_all &&
	expect_entry org/loop "unhealthy|cannot open*"
'

test_expect_success 'folders nested too deeply inside a snapshot' '
	make_model org/deepdirs &&
	d="$(snap org/deepdirs)" &&
	for i in $(seq 1 70); do d="$d/d"; done &&
	mkdir -p "$d" &&
	run_all &&
	expect_entry org/deepdirs "unhealthy|snapshot * is nested too deeply"
'

test_expect_success 'huge README.md and tokenizer.json are skipped, not read' '
	make_model org/bigmeta "" base &&
	c=$(commit_for org/bigmeta) &&
	truncate -s 300M "$(repo_dir org/bigmeta)/blobs/bigreadme" &&
	ln -s ../../blobs/bigreadme "$(snap org/bigmeta)/README.md" &&
	truncate -s 300M "$(repo_dir org/bigmeta)/blobs/bigtok" &&
	ln -s ../../blobs/bigtok "$(snap org/bigmeta)/tokenizer.json" &&
	printf "{\"a\":1}" | add_file org/bigmeta $c tokenizer_config.json >/dev/null &&
	run_all &&
	expect_entry org/bigmeta "healthy|Model is healthy"
'

nobody_ok() {
	test "$(id -u)" = 0 && command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$TRASH"
}

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

test_expect_success_if nobody_ok 'unreadable folders and files (as nobody)' '
	make_model org/locked-dir &&
	s=$(snap org/locked-dir) &&
	mkdir "$s/private" && printf x | add_file org/locked-dir $(commit_for org/locked-dir) private/x.txt >/dev/null &&
	chmod 000 "$s/private" &&
	make_model org/locked-file &&
	blob=$(basename "$(readlink "$(snap org/locked-file)/config.json")") &&
	chmod 000 "$(repo_dir org/locked-file)/blobs/$blob" &&
	make_model org/locked-snap &&
	chmod 000 "$(snap org/locked-snap)" &&
	make_model org/locked-blobs &&
	chmod 000 "$(repo_dir org/locked-blobs)/blobs" &&
	make_model org/locked-repo &&
	chmod 000 "$(repo_dir org/locked-repo)" &&
	{ chmod -R a+rX "$TRASH/hf" 2>/dev/null || :; } &&
	chmod 000 "$s/private" "$(repo_dir org/locked-file)/blobs/$blob" "$(snap org/locked-snap)" "$(repo_dir org/locked-blobs)/blobs" "$(repo_dir org/locked-repo)" &&
	as_nobody $T "$MLXK_BIN" --cache-dir "$CACHE" list --json >list.json &&
	python3 "$TEST_DIRECTORY/lib/check-model.py" list.json >/dev/null &&
	test_expect_code 1 as_nobody $T "$MLXK_BIN" --cache-dir "$CACHE" health --json >health.json &&
	chmod 755 "$s/private" "$(snap org/locked-snap)" "$(repo_dir org/locked-blobs)/blobs" "$(repo_dir org/locked-repo)" &&
	chmod 644 "$(repo_dir org/locked-file)/blobs/$blob" &&
	expect_entry org/good "healthy|Model is healthy" &&
	expect_entry org/locked-dir "unhealthy|Unreadable file: private" &&
	expect_entry org/locked-file "unhealthy|Unreadable file: config.json" &&
	expect_entry org/locked-snap "unhealthy|cannot open snapshot*Permission denied" &&
	expect_entry org/locked-blobs "unhealthy|Unreadable file:*" &&
	expect_entry org/locked-repo "unhealthy|cannot open*Permission denied"
'

test_done
