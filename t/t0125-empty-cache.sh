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

# every_command WHERE-PATTERN: each command names the cache and the next
# step (stderr) when the cache is missing or empty.
every_command() {
	for c in list health "health --cache" "health --verify" prune "prune --dry-run" \
		clean-locks "clean-locks --dry-run"; do
		mlxk $c </dev/null >out 2>err || return 1
		grep -q "^hint: $1; get a model with .mlxk pull ORG/NAME.$" err || {
			echo "no hint from mlxk $c:" && cat err && return 1
		}
	done &&
	for c in "show org/x" "health org/x" "health x*" "health --verify org/x" "rm org/x" "rm org/x org/y"; do
		test_expect_code 1 mlxk $c </dev/null >out 2>err || return 1
		test_line_count = 1 err &&
		grep -q "^mlxk: error: no model found matching .*: $1; get a model with .mlxk pull " err || {
			echo "mlxk $c:" && cat err && return 1
		}
	done
}

test_expect_success 'every command names a missing cache, its choice and the next step' '
	rm -rf "$CACHE" &&
	every_command "the cache $CACHE (chosen by HF_HOME) does not exist yet"
'

test_expect_success 'every command names an empty cache chosen by HF_HUB_CACHE or --cache-dir' '
	mkdir -p empty &&
	HF_HUB_CACHE="$TRASH/empty" every_command "the cache $TRASH/empty (chosen by HF_HUB_CACHE) holds no models" &&
	mlxk() { "$MLXK_BIN" --cache-dir "$TRASH/empty" "$@"; } &&
	every_command "the cache $TRASH/empty (chosen by --cache-dir) holds no models" &&
	unset -f mlxk && mlxk() { "$MLXK_BIN" "$@"; }
'

test_expect_success 'the default cache is named as the default' '
	test_expect_code 1 env -u HF_HOME "$MLXK_BIN" show org/x 2>err &&
	test_grep "^mlxk: error: no model found matching .org/x.: the cache $HOME/.cache/huggingface/hub (the default) does not exist yet; get a model with .mlxk pull org/x.$" err
'

test_expect_success 'pull offline of an absent model names the cache and what to do' '
	test_expect_code 1 env HF_HUB_OFFLINE=1 "$MLXK_BIN" pull org/x 2>err &&
	test_grep "^mlxk: error: cannot download .org/x.: offline mode is on (HF_HUB_OFFLINE) and the cache $CACHE (chosen by HF_HOME) does not hold it complete; unset HF_HUB_OFFLINE to fetch it$" err
'

test_expect_success 'JSON: the cache and the next step beside MLX-Knife.s message' '
	rm -rf "$CACHE" &&
	test_expect_code 1 mlxk --json rm org/x >out &&
	json_check out "d[\"error\"][\"type\"] == \"cache_not_found\" and d[\"error\"][\"cache\"] == \"$CACHE\" and d[\"error\"][\"cache_source\"] == \"HF_HOME\" and d[\"error\"][\"next\"] == \"mlxk pull org/x\"" &&
	mlxk --json health --cache >out &&
	json_check out "d[\"data\"][\"cache\"][\"root_source\"] == \"HF_HOME\""
'

test_expect_success 'one wording for no such model in every command, one JSON type' '
	rm -rf "$CACHE" && make_model org/a &&
	for c in "show zzz" "health zzz" "health zz*" "health --verify zzz" "rm zzz" "rm org/a zzz"; do
		test_expect_code 1 mlxk $c </dev/null >out 2>err &&
		test_line_count = 1 err &&
		grep -q "^mlxk: error: no model found matching .zz.*. in the cache $CACHE (chosen by HF_HOME); .mlxk list. shows what it holds, .mlxk pull ORG/NAME. fetches more$" err || {
			echo "mlxk $c:" && cat err && return 1
		}
		test_expect_code 1 mlxk --json $c </dev/null >out &&
		json_check out "d[\"error\"][\"type\"] == \"model_not_found\" and d[\"error\"][\"message\"].startswith(\"No model found matching \") and d[\"error\"][\"next\"] == \"mlxk list\"" || return 1
	done &&
	test_expect_code 1 mlxk show org/zzz 2>err &&
	test_grep "; get it with .mlxk pull org/zzz.$" err
'

test_expect_success 'the datasets and Xet caches: a missing one is named with its choice' '
	mlxk prune --datasets --xet </dev/null >out 2>err &&
	test_grep "^hint: the datasets cache $HF_HOME/datasets (chosen by HF_HOME) does not exist; if it lives elsewhere, name it with --datasets-dir DIR$" err &&
	test_grep "^hint: the Xet cache $HF_HOME/xet (chosen by HF_HOME) does not exist; if it lives elsewhere, name it with --xet-dir DIR$" err &&
	HF_DATASETS_CACHE="$TRASH/nods" "$MLXK_BIN" clean-locks --datasets </dev/null >out 2>err &&
	test_grep "^hint: the datasets cache $TRASH/nods (chosen by HF_DATASETS_CACHE) does not exist" err &&
	mlxk --datasets-dir "$TRASH/nods" prune --datasets --dry-run </dev/null >out 2>err &&
	test_grep "(chosen by --datasets-dir) does not exist" err &&
	mkdir -p "$TRASH/nods" &&
	mlxk --datasets-dir "$TRASH/nods" prune --datasets --dry-run </dev/null >out 2>err &&
	test_grep ! "^hint: the datasets cache" err
'

test_expect_success 'no hint once there is a model, nor in JSON' '
	mlxk --json list >out 2>err &&
	test_must_be_empty err &&
	make_model org/a &&
	mlxk list >out 2>err &&
	test_grep ! "hint: the cache" err
'

test_done
