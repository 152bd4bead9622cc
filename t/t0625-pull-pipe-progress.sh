#!/bin/bash
# pull on a pipe: a line per file and, for a long file, a progress line
# every few seconds; HF_HUB_DISABLE_PROGRESS_BARS and -q silence them.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

head -c 600000 /dev/urandom | hub_file org/slow main model.safetensors
printf '{"model_type":"llama"}' | hub_file org/slow main config.json
fakehub_start

test_expect_success 'a long file on a pipe: periodic progress lines, then the file' '
	knobs "{\"slow\": 200000}" &&
	MLXK_PROGRESS_SECONDS=1 mlxk pull org/slow 2>err | cat >out &&
	test_grep "^progress: .* of 600.0KB, [0-9] of 2 files$" err &&
	test_grep "^fetched model.safetensors (600.0KB)$" err &&
	test_grep "^fetched config.json" err
'

test_expect_success 'HF_HUB_DISABLE_PROGRESS_BARS silences the progress lines' '
	rm -rf "$CACHE" &&
	knobs "{\"slow\": 200000}" &&
	HF_HUB_DISABLE_PROGRESS_BARS=1 MLXK_PROGRESS_SECONDS=1 mlxk pull org/slow 2>err | cat >out &&
	test_grep ! "^progress:" err &&
	test_grep "^fetched model.safetensors" err
'

test_expect_success '-q prints nothing but errors' '
	rm -rf "$CACHE" &&
	knobs "{\"slow\": 200000}" &&
	MLXK_PROGRESS_SECONDS=1 mlxk pull -q org/slow >out 2>err &&
	test_must_be_empty err &&
	test_must_be_empty out
'

test_done
