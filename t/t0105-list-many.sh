#!/bin/bash
# list on a cache big enough to be inspected by several threads: every
# model once, in name order, the same on every run.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: 150 models written as huggingface_hub does' '
	python3 "$TEST_DIRECTORY/../bench/gen-cache.py" "$CACHE" --models 150 &&
	ls "$CACHE" | grep "^models--" | sed "s/^models--//; s/--/\//g" |
		LC_ALL=C sort >expect &&
	test_line_count = 150 expect
'

test_expect_success 'list --json has every model once, sorted by name' '
	mlxk list --json >out &&
	json_check out "d[\"data\"][\"count\"] == 150" &&
	json out "\"\\n\".join(m[\"name\"] for m in d[\"data\"][\"models\"])" >names &&
	test_cmp expect names
'

test_expect_success 'the threaded listing is deterministic' '
	mlxk list --json >a &&
	mlxk list --json >b &&
	sed "/last_modified/d" a >a2 &&
	sed "/last_modified/d" b >b2 &&
	test_cmp a2 b2
'

test_expect_success 'pattern and --framework filters keep their order' '
	mlxk list --json --framework gguf >out &&
	json_check out "d[\"data\"][\"count\"] == 30" &&
	json_check out "all(m[\"framework\"] == \"GGUF\" for m in d[\"data\"][\"models\"])" &&
	json out "[m[\"name\"] for m in d[\"data\"][\"models\"]] == sorted(m[\"name\"] for m in d[\"data\"][\"models\"])" >sorted &&
	test "$(cat sorted)" = true &&
	mlxk list --json 0042 >out &&
	json_check out "[m[\"name\"] for m in d[\"data\"][\"models\"]] == [\"mlx-community/model-0042-mlx\"]"
'

test_expect_success 'human table lists the runnable models' '
	mlxk list >out &&
	test_grep "model-0000-mlx" out &&
	test_grep ! "pytorch" out
'

test_done
