#!/bin/bash
# mlxk rm: whole models, single revisions, dry runs, JSON and errors.
. "$(dirname "$0")/test-lib.sh"
export MLXK_LOCK_GRACE_MS=50

C1=$(commit_for one)
C2=$(commit_for two)

# Two revisions of org/alpha sharing config.json; v1 -> C1, main -> C2.
setup_two() {
	rm -rf "$CACHE"
	make_model org/alpha "$C1"
	printf '{"model_type":"llama","architectures":["LlamaForCausalLM"],"quantization":{"group_size":64,"bits":4}}' |
		add_file org/alpha "$C2" config.json >/dev/null
	printf 'weights two' | add_file org/alpha "$C2" model.safetensors --lfs >/dev/null
	set_ref org/alpha main "$C2"
	set_ref org/alpha v1 "$C1"
	set_ref org/alpha refs/pr/1 "$C1"
	D=$(repo_dir org/alpha)
	mkdir -p "$D/.no_exist/$C1" "$D/.no_exist/$C2" "$D/trees"
	touch "$D/.no_exist/$C1/missing.txt" "$D/.no_exist/$C2/missing.txt"
	echo '{}' >"$D/trees/$C1.json"
	echo '{}' >"$D/trees/$C2.json"
	mkdir -p "$CACHE/.locks/models--org--alpha" "$CACHE/.locks/models--org--alpha-v2"
	touch "$CACHE/.locks/models--org--alpha/stale.lock" \
		"$CACHE/.locks/models--org--alpha-v2/other.lock"
}

snapshot_tree() {
	(cd "$CACHE" && find . -exec stat -c '%n %F %s %Y %Z %i %h %a %U' {} + | sort)
}

test_expect_success 'rm MODEL removes the repo and exactly its lock folder' '
	setup_two &&
	make_model org/alpha-v2 &&
	mlxk rm org/alpha >out 2>err &&
	test_grep "^Deleted entire model org/alpha " out &&
	test_grep "1 lock file cleaned" out &&
	test_path_is_missing "$CACHE/models--org--alpha" &&
	test_path_is_missing "$CACHE/.locks/models--org--alpha" &&
	test_path_is_file "$CACHE/.locks/models--org--alpha-v2/other.lock" &&
	test_path_is_dir "$(repo_dir org/alpha-v2)/snapshots"
'

test_expect_success 'rm MODEL@REV removes one revision, its refs and unshared blobs' '
	setup_two &&
	D=$(repo_dir org/alpha) &&
	W1=$(readlink "$D/snapshots/$C1/model.safetensors") &&
	CFG=$(readlink "$D/snapshots/$C1/config.json") &&
	W2=$(readlink "$D/snapshots/$C2/model.safetensors") &&
	mlxk rm org/alpha@v1 >out &&
	test_grep "^Deleted org/alpha@$C1 " out &&
	test_path_is_missing "$D/snapshots/$C1" &&
	test_path_is_missing "$D/refs/v1" &&
	test_path_is_missing "$D/refs/refs/pr/1" &&
	test_path_is_missing "$D/.no_exist/$C1" &&
	test_path_is_missing "$D/trees/$C1.json" &&
	test_path_is_missing "$D/snapshots/$C1/$W1" &&
	test_path_is_missing "$D/blobs/${W1##*/}" &&
	test_path_is_file "$D/blobs/${CFG##*/}" &&
	test_path_is_file "$D/blobs/${W2##*/}" &&
	test_path_is_file "$D/refs/main" &&
	test_path_is_dir "$D/.no_exist/$C2" &&
	test_path_is_file "$D/trees/$C2.json" &&
	test -e "$D/snapshots/$C2/config.json" &&
	test_path_is_file "$CACHE/.locks/models--org--alpha/stale.lock"
'

test_expect_success 'rm MODEL@hash-prefix selects by commit prefix' '
	setup_two &&
	mlxk rm "org/alpha@${C2:0:8}" >out &&
	test_path_is_missing "$(repo_dir org/alpha)/snapshots/$C2" &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots/$C1" &&
	test_path_is_missing "$(repo_dir org/alpha)/refs/main"
'

test_expect_success 'removing the last revision removes the repo' '
	setup_two &&
	mlxk rm org/alpha@v1 >/dev/null &&
	mlxk rm org/alpha@main >out &&
	test_grep "^Deleted entire model org/alpha" out &&
	test_path_is_missing "$(repo_dir org/alpha)" &&
	test_path_is_missing "$CACHE/.locks/models--org--alpha"
'

test_expect_success '--dry-run lists exactly what goes and changes nothing' '
	setup_two &&
	snapshot_tree >before &&
	mlxk rm --dry-run org/alpha@v1 >out &&
	snapshot_tree >after &&
	test_cmp before after &&
	D=$(repo_dir org/alpha) &&
	W1=$(readlink "$D/snapshots/$C1/model.safetensors") &&
	test_grep "^  ref .* models--org--alpha/refs/v1$" out &&
	test_grep "^  ref .* models--org--alpha/refs/refs/pr/1$" out &&
	test_grep "^  snapshot .* models--org--alpha/snapshots/$C1$" out &&
	test_grep "^  blob .*4.1KB  models--org--alpha/blobs/${W1##*/}$" out &&
	test_grep "^  no_exist .* models--org--alpha/.no_exist/$C1$" out &&
	test_grep "^  tree .* models--org--alpha/trees/$C1.json$" out &&
	CFG=$(readlink "$D/snapshots/$C1/config.json") &&
	test_grep ! "${CFG##*/}" out &&
	test_grep "^Would delete org/alpha@$C1 (4.2KB would be freed" out
'

test_expect_success '--dry-run of a whole model, and its bytes agree with the deletion' '
	setup_two &&
	snapshot_tree >before &&
	mlxk --json rm --dry-run org/alpha >dry &&
	snapshot_tree >after &&
	test_cmp before after &&
	json_check dry "d[\"data\"][\"dry_run\"] is True" &&
	json_check dry "\".locks/models--org--alpha/stale.lock\" in [e[\"path\"] for e in d[\"data\"][\"entries\"]]" &&
	mlxk rm --json org/alpha >real &&
	test "$(json dry "d[\"data\"][\"bytes_freed\"]")" = "$(json real "d[\"data\"][\"bytes_freed\"]")" &&
	json_check real "d[\"data\"][\"bytes_freed\"] > 4300"
'

test_expect_success '--json keeps MLX-Knife 2.0 rm fields' '
	setup_two &&
	mlxk rm --json org/alpha@v1 >out &&
	json_check out "d[\"status\"] == \"success\" and d[\"command\"] == \"rm\" and d[\"error\"] is None" &&
	json_check out "all(k in d[\"data\"] for k in [\"model\", \"action\", \"message\", \"requires_confirmation\", \"matches\", \"lock_files_cleaned\", \"locks_detected\", \"lock_files\", \"commit_hash\"])" &&
	json_check out "d[\"data\"][\"action\"] == \"deleted\" and d[\"data\"][\"model\"] == \"org/alpha\"" &&
	json_check out "d[\"data\"][\"commit_hash\"] == \"$C1\"" &&
	json_check out "d[\"data\"][\"requires_confirmation\"] is False and d[\"data\"][\"locks_detected\"] is False" &&
	mlxk --json rm org/alpha >out2 &&
	json_check out2 "d[\"data\"][\"lock_files_cleaned\"] == 1 and d[\"data\"][\"commit_hash\"] is None"
'

test_expect_success 'a fuzzy name in JSON without --force only asks for confirmation' '
	setup_two &&
	mlxk rm --json alph >out &&
	json_check out "d[\"status\"] == \"success\" and d[\"data\"][\"action\"] == \"requires_confirmation\"" &&
	json_check out "d[\"data\"][\"requires_confirmation\"] is True" &&
	json_check out "d[\"data\"][\"message\"] == \"Would delete '"'"'org/alpha'"'"' (matched from '"'"'alph'"'"')\"" &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots"
'

test_expect_success 'a fuzzy name without a terminal is refused in one line naming --force (exit 2)' '
	setup_two &&
	test_expect_code 2 mlxk rm alph </dev/null >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: not deleting org/alpha, guessed from .alph., without a terminal to ask; name it in full (.mlxk rm org/alpha.) or add --force$" err &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots" &&
	mlxk rm --force alph </dev/null >out &&
	test_path_is_missing "$(repo_dir org/alpha)"
'

test_expect_success 'an mlx-community short name is a guess too' '
	rm -rf "$CACHE" &&
	make_model mlx-community/Phi-3-mini &&
	test_expect_code 2 mlxk rm Phi-3-mini </dev/null 2>err &&
	test_grep "not deleting mlx-community/Phi-3-mini, guessed from .Phi-3-mini." err &&
	mlxk rm mlx-community/Phi-3-mini </dev/null >out &&
	test_path_is_missing "$(repo_dir mlx-community/Phi-3-mini)"
'

test_expect_success 'errors: not found, ambiguous, unknown revision' '
	setup_two &&
	make_model org/alpha-v2 &&
	test_expect_code 1 mlxk rm nothing-like-it 2>err &&
	test_line_count = 1 err &&
	test_grep "^mlxk: error: no model found matching .nothing-like-it. in the cache" err &&
	test_expect_code 1 mlxk --json rm nothing-like-it >out &&
	json_check out "d[\"status\"] == \"error\" and d[\"error\"][\"type\"] == \"model_not_found\"" &&
	test_expect_code 1 mlxk --json rm alph >out &&
	json_check out "d[\"error\"][\"type\"] == \"ambiguous_match\"" &&
	json_check out "sorted(d[\"data\"][\"matches\"]) == [\"org/alpha\", \"org/alpha-v2\"]" &&
	json_check out "d[\"data\"][\"action\"] == \"ambiguous\"" &&
	test_expect_code 1 mlxk rm alph 2>err &&
	test_line_count = 1 err &&
	test_expect_code 1 mlxk --json rm org/alpha@ffffff >out &&
	json_check out "d[\"error\"][\"type\"] == \"hash_not_found\"" &&
	test_path_is_dir "$(repo_dir org/alpha)/snapshots/$C1"
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 mlxk rm 2>err &&
	test_grep "missing MODEL" err &&
	test_expect_code 2 mlxk rm --frob x 2>err
'

test_done
