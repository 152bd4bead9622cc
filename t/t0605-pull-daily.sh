#!/bin/bash
# pull: a complete cached model when the Hub is down, names copied from the
# browser, a name without an org.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 3000 /dev/urandom | hub_file org/model main model.safetensors
printf '{"model_type":"llama"}' | hub_file org/urlmodel main config.json
fakehub_start
MAIN=$(hub_commit org/model main)

test_expect_success 'setup: org/model complete in the cache' '
	mlxk pull org/model >out 2>err
'

test_expect_success 'Hub unreachable, model complete: warning, already_exists, exit 0' '
	HF_ENDPOINT=http://127.0.0.1:9 mlxk pull org/model >out 2>err &&
	test_grep "^mlxk: warning: the Hub cannot be reached" err &&
	test_grep "already exists in cache" out &&
	HF_ENDPOINT=http://127.0.0.1:9 mlxk --json pull org/model >out 2>err &&
	json_check out "d[\"status\"] == \"success\" and d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	json_check out "\"cannot be reached\" in d[\"data\"][\"preflight_warning\"]"
'

test_expect_success 'Hub unreachable, model not cached: still an error' '
	test_expect_code 1 env HF_ENDPOINT=http://127.0.0.1:9 "$MLXK_BIN" pull org/other >out 2>err &&
	test_grep "^mlxk: error: " err
'

test_expect_success 'a https://huggingface.co/ORG/NAME URL names the model' '
	mlxk pull https://huggingface.co/org/urlmodel/ >out 2>err &&
	test_path_is_dir "$CACHE/models--org--urlmodel/snapshots" &&
	test_path_is_missing "$CACHE/models--https:"
'

test_expect_success 'a name without an org that the Hub does not know says the org is missing' '
	test_expect_code 1 mlxk pull nosuchname >out 2>err &&
	test_grep "no organisation given: the Hub.s names are ORG/NAME, for example mlx-community/nosuchname" err
'

test_done
