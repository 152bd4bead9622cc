#!/bin/bash
# Human output is plain ASCII unless the locale's codeset is UTF-8
# (LC_ALL > LC_CTYPE > LANG): mlxk's own punctuation has ASCII stand-ins,
# and the non-ASCII bytes of names from the cache are shown as '?'. In a
# UTF-8 locale valid UTF-8 passes through. JSON is UTF-8 always.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 3000 /dev/urandom | hub_file org/model main model.safetensors
fakehub_start

# A UTF-8 locale this machine has (C.UTF-8 on Debian; any name that says
# UTF-8 works too, installed or not).
UTF8=C.UTF-8

# in_locale LC_ALL LC_CTYPE LANG CMD...: run CMD with exactly these set
# (an empty value: unset).
in_locale() {
	local all=$1 ctype=$2 lang=$3
	shift 3
	env -u LC_ALL -u LC_CTYPE -u LANG ${all:+LC_ALL=$all} \
		${ctype:+LC_CTYPE=$ctype} ${lang:+LANG=$lang} "$@"
}

# no_8bit FILE: FILE holds only ASCII bytes.
no_8bit() {
	if LC_ALL=C grep -n "$(printf '[\200-\377]')" "$1"; then
		echo "error: non-ASCII bytes in $1" >&2
		return 1
	fi
}

test_expect_success 'setup: a name with UTF-8, one with a byte that is not' '
	make_model "org/caf$(printf "\303\251")" &&
	make_model "org/bad$(printf "\377")x" &&
	make_model org/plain &&
	rm "$(repo_dir org/plain)/snapshots/$(commit_for org/plain)/config.json" &&
	mlxk pull -q org/model
'

test_expect_success 'LANG=C: list, health and pull print ASCII only' '
	in_locale "" "" C "$MLXK_BIN" list --all >list.out &&
	no_8bit list.out &&
	test_grep "^org/caf?? " list.out &&
	test_grep "^org/bad?x " list.out &&
	in_locale "" "" C "$MLXK_BIN" list --all --health --verbose >wide.out &&
	no_8bit wide.out &&
	test_grep "^org/plain .* | cache | -  *| " wide.out &&
	test_expect_code 1 in_locale "" "" C "$MLXK_BIN" health >health.out &&
	no_8bit health.out &&
	test_grep "^unhealthy org/plain - config.json missing" health.out &&
	in_locale "" "" C "$MLXK_BIN" pull org/model >pull.out 2>pull.err &&
	no_8bit pull.out && no_8bit pull.err &&
	test_grep "^pull: org/model - Model org/model already exists in cache -> /" pull.out
'

test_expect_success 'a UTF-8 locale passes valid UTF-8 through, still escapes bad bytes' '
	in_locale "" "" $UTF8 "$MLXK_BIN" list --all >list.out &&
	test_grep "^org/caf$(printf "\303\251") " list.out &&
	test_grep "^org/bad?x " list.out &&
	test_expect_code 1 in_locale "" "" $UTF8 "$MLXK_BIN" health >health.out &&
	test_grep "^unhealthy org/plain $(printf "\342\200\224") config.json missing" health.out &&
	in_locale "" "" $UTF8 "$MLXK_BIN" pull org/model >pull.out &&
	test_grep "^pull: org/model $(printf "\342\200\224") Model org/model already exists in cache $(printf "\342\206\222") /" pull.out
'

test_expect_success 'LC_ALL wins over LANG, LC_CTYPE over LANG' '
	in_locale C "" $UTF8 "$MLXK_BIN" list --all >out &&
	test_grep "^org/caf?? " out &&
	in_locale "" C $UTF8 "$MLXK_BIN" list --all >out &&
	test_grep "^org/caf?? " out &&
	in_locale "" $UTF8 C "$MLXK_BIN" list --all >out &&
	test_grep "^org/caf$(printf "\303\251") " out &&
	in_locale $UTF8 C C "$MLXK_BIN" list --all >out &&
	test_grep "^org/caf$(printf "\303\251") " out
'

test_expect_success 'a UTF-8 locale that is not installed still counts by its name' '
	in_locale "" "" xx_YY.UTF-8 "$MLXK_BIN" list --all >out &&
	test_grep "^org/caf$(printf "\303\251") " out &&
	in_locale "" "" xx_YY.ISO-8859-1 "$MLXK_BIN" list --all >out &&
	test_grep "^org/caf?? " out
'

test_expect_success 'errors name a model in ASCII under LANG=C' '
	test_must_fail in_locale "" "" C "$MLXK_BIN" show "caf$(printf "\303\251")x" 2>err &&
	no_8bit err
'

test_expect_success 'JSON keeps UTF-8 whatever the locale' '
	in_locale "" "" C "$MLXK_BIN" --json list --all >out &&
	json_check out "\"org/caf\\u00e9\" in [m[\"name\"] for m in d[\"data\"][\"models\"]]"
'

test_done
