#!/bin/bash
# Cache root precedence: --cache-dir > HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE
# > $HF_HOME/hub > $XDG_CACHE_HOME/huggingface/hub > ~/.cache/huggingface/hub.
. "$(dirname "$0")/test-lib.sh"

# model_at ROOT NAME: a model in the cache at ROOT.
model_at() {
	(CACHE="$1" && make_model "$2" "" base)
}

# listed: the names mlxk list --json prints, one per line.
listed() {
	"$MLXK_BIN" "$@" list --json >"$TRASH/.listed.json"
	json "$TRASH/.listed.json" '"".join(m["name"] + "\n" for m in d["data"]["models"])' | sed '/^$/d'
}

test_expect_success 'setup: one model per candidate root' '
	model_at "$TRASH/explicit" org/explicit &&
	model_at "$TRASH/hubcache" org/hubcache &&
	model_at "$TRASH/legacy" org/legacy &&
	model_at "$TRASH/hf/hub" org/hfhome &&
	model_at "$TRASH/xdg/huggingface/hub" org/xdg &&
	model_at "$HOME/.cache/huggingface/hub" org/default
'

test_expect_success '$HF_HOME/hub by default in the tests' '
	test "$(listed)" = org/hfhome
'

test_expect_success '--cache-dir wins over everything' '
	test "$(HF_HUB_CACHE=$TRASH/hubcache listed --cache-dir "$TRASH/explicit")" = org/explicit &&
	test "$(listed --cache-dir="$TRASH/explicit")" = org/explicit
'

test_expect_success 'HF_HUB_CACHE wins over HUGGINGFACE_HUB_CACHE and HF_HOME' '
	test "$(HF_HUB_CACHE=$TRASH/hubcache HUGGINGFACE_HUB_CACHE=$TRASH/legacy listed)" = org/hubcache
'

test_expect_success 'HUGGINGFACE_HUB_CACHE wins over HF_HOME' '
	test "$(HUGGINGFACE_HUB_CACHE=$TRASH/legacy listed)" = org/legacy
'

test_expect_success 'XDG_CACHE_HOME when HF_HOME is unset' '
	test "$(unset HF_HOME; XDG_CACHE_HOME=$TRASH/xdg listed)" = org/xdg
'

test_expect_success '~/.cache/huggingface/hub when nothing is set' '
	test "$(unset HF_HOME; listed)" = org/default
'

test_expect_success '~ and $VAR are expanded in HF_HOME and HF_HUB_CACHE' '
	mkdir -p "$HOME/h2" && model_at "$HOME/h2/hub" org/tilde &&
	test "$(HF_HOME="~/h2" listed)" = org/tilde &&
	test "$(ROOT=$TRASH SUB=hubcache HF_HUB_CACHE="\$ROOT/\$SUB" listed)" = org/hubcache &&
	test "$(ROOT=$TRASH SUB=hubcache HF_HUB_CACHE="\${ROOT}/\${SUB}" listed)" = org/hubcache &&
	test "$(HF_HUB_CACHE="~/.cache/huggingface/hub" listed)" = org/default
'

test_expect_success '~ in HUGGINGFACE_HUB_CACHE and XDG_CACHE_HOME (as Python expands them)' '
	test "$(HUGGINGFACE_HUB_CACHE="~/.cache/huggingface/hub" listed)" = org/default &&
	test "$(unset HF_HOME; XDG_CACHE_HOME="~/.cache" listed)" = org/default
'

test_expect_success '--cache-dir expands ~ too' '
	test "$(listed --cache-dir "~/.cache/huggingface/hub")" = org/default
'

test_expect_success 'a set but empty variable counts as set (as in Python)' '
	mkdir -p empty-cwd && (
		cd empty-cwd &&
		model_at "$PWD" org/in-cwd &&
		test "$(HF_HUB_CACHE= listed)" = org/in-cwd
	) &&
	mkdir -p home-cwd && (
		cd home-cwd &&
		model_at "$PWD/hub" org/relative-hub &&
		test "$(HF_HOME= listed)" = org/relative-hub
	)
'

test_expect_success 'an empty XDG_CACHE_HOME means ./huggingface/hub (as in Python)' '
	mkdir -p xdg-cwd && (
		cd xdg-cwd &&
		model_at "$PWD/huggingface/hub" org/xdg-relative &&
		test "$(unset HF_HOME; XDG_CACHE_HOME= listed)" = org/xdg-relative
	)
'

test_expect_success 'HOME set but empty is used by ~, as expanduser does' '
	test "$(unset HF_HOME; HOME=$HOME/ listed)" = org/default &&
	test "$(HOME= HF_HUB_CACHE="~$TRASH/explicit" listed)" = org/explicit
'

test_expect_success 'a missing cache directory lists nothing and exits 0' '
	test -z "$(listed --cache-dir "$TRASH/does-not-exist")" &&
	mlxk --cache-dir "$TRASH/does-not-exist" health --json >out &&
	json_check out "d[\"data\"][\"summary\"][\"total\"] == 0"
'

test_expect_success 'a cache root that is a file is an error (exit 1)' '
	echo x >not-a-dir &&
	test_expect_code 1 mlxk --cache-dir "$TRASH/not-a-dir" list 2>err &&
	test_grep "not a directory" err
'

test_expect_success 'a symlinked cache root is followed' '
	ln -s "$TRASH/explicit" linked &&
	test "$(listed --cache-dir "$TRASH/linked")" = org/explicit
'

test_done
