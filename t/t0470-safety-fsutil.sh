#!/bin/bash
# The openat-based file helpers: a real depth limit on recursive removal,
# and temporary names that nobody can guess in advance.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
fakehub_start
R="$CACHE/models--org--model"
MAIN=$(hub_commit org/model main)

test_expect_success 'rm refuses a tree nested deeper than the limit, without crashing' '
	make_model org/a && D=$(repo_dir org/a) && C=$(commit_for org/a) &&
	deep=$(printf "d/%.0s" $(seq 300)) &&
	mkdir -p "$D/snapshots/$C/$deep" &&
	test_must_fail mlxk rm org/a --force >out 2>err &&
	test_grep "nested too deeply (over 256 levels)" err &&
	test_path_is_dir "$D/snapshots/$C/d"
'

test_expect_success 'rm removes a tree within the limit' '
	rm -rf "$CACHE" && make_model org/a &&
	mkdir -p "$D/snapshots/$C/$(printf "d/%.0s" $(seq 100))" &&
	mlxk rm org/a --force >out 2>err &&
	test_path_is_missing "$D"
'

# The names an unseeded random() gives first (glibc and macOS alike start
# from seed 1): planted in advance they would make every write fail.
test_expect_success 'temporary names cannot be predicted' '
	rm -rf "$CACHE" && mkdir -p "$R/refs" "$R/trees" &&
	python3 - "$R" "$MAIN" <<-\PY &&
	import ctypes, os, sys
	c = ctypes.CDLL(None)
	c.srandom(1)
	names = ["%08x" % (c.random() & 0xffffffff) for _ in range(300)]
	for n in names:
	    for d, base in (("refs", "main"), ("trees", sys.argv[2] + ".json")):
	        open(os.path.join(sys.argv[1], d, "%s.%s.tmp" % (base, n)), "w").close()
	PY
	mlxk pull -q org/model 2>err &&
	test "$(cat "$R/refs/main")" = "$MAIN" &&
	test_path_is_file "$R/trees/$MAIN.json"
'

# A listing that fails part way (t/lib/faultfs.so, preloaded: readdir and
# getdents64 on MLXK_TEST_FAULT_READDIR fail with EIO after
# MLXK_TEST_FAULT_READDIR_AFTER entries), as a failing disk or network file
# system does. What a cut-short listing hid would look unused or detached.
FAULTFS="$MLXK_BUILD/t/lib/faultfs.so"
# gcc's ASan runtime wants to be the first library; the shim comes first.
faulty() {
	local dir="$1" after="$2"
	shift 2
	LD_PRELOAD="$FAULTFS" MLXK_TEST_FAULT_READDIR="$dir" \
		MLXK_TEST_FAULT_READDIR_AFTER="$after" \
		ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" "$MLXK_BIN" "$@"
}

# org/s: revision A (main) and B (ref v1) share a blob; B has one of its own.
two_revisions() {
	rm -rf "$CACHE" &&
	A=$(commit_for rev-a) && B=$(commit_for rev-b) &&
	make_model org/s "$A" && S=$(repo_dir org/s) &&
	W=$(basename "$(readlink "$S/snapshots/$A/model.safetensors")") &&
	mkdir -p "$S/snapshots/$B" &&
	ln -s "../../blobs/$W" "$S/snapshots/$B/model.safetensors" &&
	head -c 100 /dev/urandom | add_file org/s "$B" own.bin --lfs >"$TRASH/own" &&
	set_ref org/s v1 "$B" &&
	find "$CACHE" | sort >"$TRASH/before"
}

test_expect_success_if 'test -f "$FAULTFS"' 'the fault shim fails a listing part way' '
	two_revisions &&
	test_must_fail env LD_PRELOAD="$FAULTFS" MLXK_TEST_FAULT_READDIR="$S/snapshots/$B" \
		MLXK_TEST_FAULT_READDIR_AFTER=1 ls "$S/snapshots/$B" >out 2>err &&
	test_grep "Input/output error" err &&
	test_line_count = 1 out
'

test_expect_success_if 'test -f "$FAULTFS"' 'rm MODEL@REV: an unreadable listing of another revision deletes nothing' '
	two_revisions &&
	test_must_fail faulty "$S/snapshots/$B" 1 rm "org/s@$A" --force >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: .*Input/output error" err &&
	find "$CACHE" | sort >after &&
	test_cmp "$TRASH/before" after
'

# Cut after the first entry of snapshots/: only that revision is seen, and
# without the check "rm" of it took it for the last one and removed the
# whole repo, the other revision with it.
test_expect_success_if 'test -f "$FAULTFS"' 'rm MODEL@REV: an unreadable snapshots/ listing deletes nothing' '
	two_revisions &&
	first=$(ls -f "$S/snapshots" | grep -v "^\.\.\?$" | head -1) &&
	test_must_fail faulty "$S/snapshots" 1 rm "org/s@$first" --force >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: cannot read .*snapshots.*: Input/output error$" err &&
	find "$CACHE" | sort >after &&
	test_cmp "$TRASH/before" after
'

# Removal lists a folder before it unlinks anything in it: a listing cut
# short stops the removal there with the read error (not a later "not
# empty"), and the snapshot and every blob are still there.
test_expect_success_if 'test -f "$FAULTFS"' 'rm MODEL: a listing cut short stops the removal with the read error' '
	two_revisions &&
	test_must_fail faulty "$S/snapshots/$A" 1 rm org/s --force >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: cannot read directory .*snapshots/$A.: Input/output error$" err &&
	test "$(ls "$S/snapshots/$A" | wc -l)" = 4 &&
	test "$(ls "$S/blobs" | wc -l)" = 5
'

test_expect_success_if 'test -f "$FAULTFS"' 'prune: an unreadable listing makes it refuse and delete nothing' '
	two_revisions &&
	head -c 10 /dev/urandom | add_file org/s "$A" gone.bin --lfs >orphan &&
	rm "$S/snapshots/$A/gone.bin" &&
	find "$CACHE" | sort >"$TRASH/before" &&
	for dir in "$S/snapshots" "$S/snapshots/$B" "$S/refs"; do
		test_must_fail faulty "$dir" 1 prune --expire now --force >out 2>err &&
		test_line_count = 1 err &&
		test_grep "^mlxk: error: .*Input/output error$" err &&
		find "$CACHE" | sort >after &&
		test_cmp "$TRASH/before" after || return 1
	done &&
	mlxk prune --expire now --force >out &&
	test_path_is_missing "$S/blobs/$(cat orphan)" &&
	test_path_is_file "$S/blobs/$(cat "$TRASH/own")"
'

test_done
