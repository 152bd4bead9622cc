#!/bin/bash
# An empty or missing cache: say which cache was looked in, what chose it
# and what to do next.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'list of a missing cache names it and how it was chosen' '
	mlxk list >out 2>err &&
	test_must_be_empty out &&
	test_grep "^hint: the cache $CACHE (chosen by HF_HOME) does not exist yet; get a model with .mlxk pull ORG/NAME.$" err
'

test_expect_success '--cache-dir and HF_HUB_CACHE are named as the choice' '
	mkdir -p empty &&
	mlxk --cache-dir "$TRASH/empty" list 2>err &&
	test_grep "^hint: the cache $TRASH/empty (chosen by --cache-dir) holds no models" err &&
	HF_HUB_CACHE="$TRASH/empty" "$MLXK_BIN" health >out 2>err &&
	test_grep "^Summary: total 0" out &&
	test_grep "(chosen by HF_HUB_CACHE) holds no models" err
'

test_expect_success 'no hint once there is a model, nor in JSON' '
	mlxk --json list >out 2>err &&
	test_must_be_empty err &&
	make_model org/a &&
	mlxk list >out 2>err &&
	test_grep ! "hint: the cache" err
'

test_done
