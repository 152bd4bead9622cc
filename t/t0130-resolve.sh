#!/bin/bash
# Name resolution of MODEL[@REV] (show and health share it).
. "$(dirname "$0")/test-lib.sh"

shown() {
	"$MLXK_BIN" show --json "$@" >"$TRASH/.shown.json"
	json "$TRASH/.shown.json" 'd["data"]["model"]["name"] + "@" + str(d["data"]["model"]["hash"])'
}

test_expect_success 'setup' '
	make_model mlx-community/Llama-3.2-1B-Instruct-4bit &&
	make_model org/Llama-3.2-1B-Instruct-4bit "" base &&
	make_model org/qwen-small "" base &&
	make_model org/qwen-large "" base &&
	make_model org/unique-thing "" base &&
	make_model other/model-v2 "" base &&
	make_model other/model "" base
'

test_expect_success 'an exact org/name wins over substrings' '
	test "$(shown other/model)" = "other/model@$(commit_for other/model)" &&
	test "$(shown org/Llama-3.2-1B-Instruct-4bit)" = "org/Llama-3.2-1B-Instruct-4bit@$(commit_for org/Llama-3.2-1B-Instruct-4bit)"
'

test_expect_success 'a bare name expands to mlx-community/' '
	test "$(shown Llama-3.2-1B-Instruct-4bit)" = "mlx-community/Llama-3.2-1B-Instruct-4bit@$(commit_for mlx-community/Llama-3.2-1B-Instruct-4bit)"
'

test_expect_success 'a unique substring, case-insensitively' '
	test "$(shown UNIQUE)" = "org/unique-thing@$(commit_for org/unique-thing)"
'

test_expect_success 'ambiguity lists every match (human: one line, exit 1)' '
	test_expect_code 1 mlxk show qwen 2>err &&
	test_line_count = 1 err &&
	test_grep "matches 2 models: org/qwen-large, org/qwen-small" err
'

test_expect_success 'ambiguity in JSON: ambiguous_match with error.matches' '
	test_expect_code 1 mlxk show qwen --json >out &&
	json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"ambiguous_match\"" &&
	json_check out "d[\"error\"][\"matches\"] == [\"org/qwen-large\", \"org/qwen-small\"]" &&
	test_expect_code 1 mlxk health qwen --json >out &&
	json_check out "d[\"error\"][\"type\"] == \"ambiguous_match\" and len(d[\"error\"][\"matches\"]) == 2" &&
	json_check out "d[\"data\"][\"summary\"] == {\"total\": 0, \"healthy_count\": 0, \"unhealthy_count\": 0}"
'

test_expect_success 'not found: model_not_found, exit 1' '
	test_expect_code 1 mlxk show nothing-like-it 2>err &&
	test_grep "^mlxk: error: no model found matching .nothing-like-it. in the cache $CACHE (chosen by HF_HOME); .mlxk list. shows what it holds, .mlxk pull ORG/NAME. fetches more$" err &&
	test_expect_code 1 mlxk show nothing-like-it --json >out &&
	json_check out "d[\"error\"][\"type\"] == \"model_not_found\"" &&
	json_check out "d[\"error\"][\"message\"] == \"No model found matching '"'"'nothing-like-it'"'"'\"" &&
	test_expect_code 1 mlxk health nothing-like-it 2>err &&
	test_grep "^mlxk: error: no model found matching .nothing-like-it. in the cache" err
'

test_expect_success 'an empty or blank name is a usage error (exit 2)' '
	test_expect_code 2 mlxk show "" 2>err &&
	test_grep "model name is empty" err &&
	test_expect_code 2 mlxk show "   " 2>err &&
	test_expect_code 2 mlxk health "" 2>err &&
	test_expect_code 2 mlxk show "@abc" 2>err &&
	test_expect_code 2 mlxk show "org/qwen-small@" 2>err &&
	test_grep "empty" err &&
	test_expect_code 2 mlxk show "" --json >out &&
	json_check out "d[\"status\"] == \"error\""
'

test_expect_success 'name@rev by commit-hash prefix' '
	old=$(commit_for org/revd-old) && new=$(commit_for org/revd-new) &&
	make_model org/revd $old base &&
	make_model org/revd $new pytorch &&
	test "$(shown org/revd@$(echo $old | cut -c1-6))" = "org/revd@$old" &&
	test "$(shown org/revd@$(echo $new | cut -c1-8 | tr a-f A-F))" = "org/revd@$new" &&
	test "$(shown org/revd)" = "org/revd@$new"
'

test_expect_success 'name@rev by ref name' '
	old=$(commit_for org/revd-old) &&
	set_ref org/revd v1.0 $old &&
	mkdir -p "$(repo_dir org/revd)/refs/refs/pr" &&
	set_ref org/revd refs/pr/1 $old &&
	test "$(shown org/revd@v1.0)" = "org/revd@$old" &&
	test "$(shown org/revd@refs/pr/1)" = "org/revd@$old"
'

test_expect_success 'name@rev with a fuzzy name' '
	old=$(commit_for org/revd-old) &&
	test "$(shown revd@$(echo $old | cut -c1-7))" = "org/revd@$old"
'

test_expect_success 'an unknown revision: exit 1, hash_not_found' '
	test_expect_code 1 mlxk show org/revd@ffffffff 2>err &&
	test_grep "revision .ffffffff. not found in org/revd" err &&
	test_expect_code 1 mlxk show org/revd@ffffffff --json >out &&
	json_check out "d[\"error\"][\"type\"] == \"hash_not_found\""
'

test_expect_success 'a revision prefix shared by two snapshots is ambiguous' '
	make_model org/twins aaaa000000000000000000000000000000000001 base &&
	make_model org/twins aaaa000000000000000000000000000000000002 base &&
	test_expect_code 1 mlxk show org/twins@aaaa 2>err &&
	test_grep "ambiguous" err
'

test_expect_success '@rev picks among substring matches that have it' '
	v2=$(commit_for other/model-v2) &&
	test "$(shown model@$(echo $v2 | cut -c1-10))" = "other/model-v2@$v2" &&
	test_expect_code 1 mlxk show model 2>err &&
	test_grep "matches 2 models" err &&
	# An exact name is taken at its word: no fallback to similar names.
	test_expect_code 1 mlxk show other/model@$(echo $v2 | cut -c1-10) 2>err &&
	test_grep "not found in other/model$" err
'

test_expect_success 'an ambiguous name lists ten candidates and says how many more' '
	for i in 01 02 03 04 05 06 07 08 09 10 11 12 13; do make_model many/amb-$i || return 1; done &&
	test_expect_code 1 mlxk show amb- 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: .amb-. matches 13 models: many/amb-01, many/amb-02, .*, many/amb-10 and 3 more$" err &&
	test_grep ! "amb-11" err &&
	test_expect_code 1 mlxk show amb- --json >out &&
	json_check out "len(d[\"error\"][\"matches\"]) == 13" &&
	test_expect_code 1 mlxk rm amb- --force 2>err &&
	test_grep "matches 13 models: .* and 3 more$" err
'

test_done
