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
	test_grep "nested too deeply" out err &&
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

test_done
