#!/bin/bash
# health: output formats, @rev, exit codes, option routing.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'no models: a zero summary, exit 0' '
	mlxk health >out &&
	test_grep "^Summary: total 0, healthy 0, unhealthy 0$" out &&
	mlxk health --json >out &&
	json_check out "d[\"data\"] == {\"healthy\": [], \"unhealthy\": [], \"summary\": {\"total\": 0, \"healthy_count\": 0, \"unhealthy_count\": 0}}"
'

test_expect_success 'setup' '
	make_model org/b-good &&
	make_model org/a-good "" sharded &&
	make_model org/c-bad &&
	rm "$(repo_dir org/c-bad)/snapshots/$(commit_for org/c-bad)/config.json" &&
	make_model org/d-pt "" pytorch
'

test_expect_success 'human: summary, healthy first, em dash, next step, exit 1' '
	cat >expect <<-\EOF &&
	Summary: total 4, healthy 3, unhealthy 1
	healthy   org/a-good - Multi-file model complete
	healthy   org/b-good - Model is healthy
	healthy   org/d-pt - Model is healthy
	unhealthy org/c-bad - config.json missing
	          next: mlxk pull --force-resume org/c-bad, or remove it: mlxk rm org/c-bad
	EOF
	test_expect_code 1 mlxk health >out &&
	test_cmp expect out
'

test_expect_success 'all healthy: exit 0' '
	mlxk health b-good >out &&
	mlxk health "org/[ab]-*" >out &&
	test_grep "^Summary: total 2, healthy 2, unhealthy 0$" out
'

test_expect_success 'one model: no summary line' '
	printf "%s\n" "unhealthy org/c-bad - config.json missing" \
		"          next: mlxk pull --force-resume org/c-bad, or remove it: mlxk rm org/c-bad" >expect &&
	test_expect_code 1 mlxk health c-bad >out &&
	test_cmp expect out
'

test_expect_success 'a pattern checks every model it matches, as list does' '
	test_expect_code 1 mlxk health "org/*" --json >out &&
	json_check out "d[\"data\"][\"summary\"][\"total\"] == 4" &&
	mlxk health good >out &&
	test_grep "^Summary: total 2, healthy 2, unhealthy 0$" out &&
	test_expect_code 1 mlxk health "nothing*" 2>err &&
	test_grep "^mlxk: error: no model found matching .nothing\*. in the cache" err
'

test_expect_success 'JSON: healthy/unhealthy entries and summary' '
	test_expect_code 1 mlxk health --json >out &&
	json_check out "sorted(d) == [\"command\", \"data\", \"error\", \"status\"] and d[\"command\"] == \"health\"" &&
	json_check out "sorted(d[\"data\"]) == [\"healthy\", \"next_steps\", \"summary\", \"unhealthy\"]" &&
	json_check out "d[\"data\"][\"next_steps\"] == [{\"name\": \"org/c-bad\", \"commands\": [\"mlxk pull --force-resume org/c-bad\", \"mlxk rm org/c-bad\"]}]" &&
	json_check out "d[\"data\"][\"summary\"] == {\"total\": 4, \"healthy_count\": 3, \"unhealthy_count\": 1}" &&
	json_check out "d[\"data\"][\"unhealthy\"] == [{\"name\": \"org/c-bad\", \"status\": \"unhealthy\", \"reason\": \"config.json missing\"}]" &&
	json_check out "[e[\"name\"] for e in d[\"data\"][\"healthy\"]] == [\"org/a-good\", \"org/b-good\", \"org/d-pt\"]" &&
	json_check out "all(sorted(e) == [\"name\", \"reason\", \"status\"] for e in d[\"data\"][\"healthy\"] + d[\"data\"][\"unhealthy\"])" &&
	test_expect_code 1 mlxk --json health >out2 &&
	test_cmp out out2
'

test_expect_success 'health is about integrity: runtime problems do not count' '
	mlxk health d-pt --json >out &&
	json_check out "d[\"data\"][\"healthy\"][0][\"reason\"] == \"Model is healthy\""
'

test_expect_success '@rev is honoured (bug 4.1.6)' '
	good=$(commit_for org/rev-good) && bad=$(commit_for org/rev-bad) &&
	make_model org/rev $bad &&
	rm "$(repo_dir org/rev)/snapshots/$bad/config.json" &&
	make_model org/rev $good &&
	mlxk health org/rev >out &&
	test_grep "^healthy   org/rev - Model is healthy$" out &&
	test_expect_code 1 mlxk health org/rev@$(echo $bad | cut -c1-7) >out &&
	test_grep "^unhealthy org/rev - config.json missing$" out &&
	test_grep "next: mlxk pull --force-resume org/rev@$(echo $bad | cut -c1-7), or remove it: mlxk rm org/rev@$(echo $bad | cut -c1-7)$" out &&
	set_ref org/rev v0 $bad &&
	test_expect_code 1 mlxk health org/rev@v0 --json >out &&
	json_check out "d[\"data\"][\"summary\"][\"unhealthy_count\"] == 1"
'

test_expect_success 'a name that does not resolve is an error, exit 1 (bug 4.1.16)' '
	test_expect_code 1 mlxk health no-such-model 2>err &&
	test_grep "^mlxk: error: no model found matching .no-such-model." err &&
	test_expect_code 1 mlxk health org/rev@abcdef1234 2>err &&
	test_grep "not found in org/rev" err &&
	test_expect_code 1 mlxk health org/rev@abcdef1234 --json >out &&
	json_check out "d[\"error\"][\"type\"] == \"hash_not_found\" and d[\"data\"][\"summary\"][\"total\"] == 0"
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 mlxk health "" 2>err &&
	test_expect_code 2 mlxk health " " 2>err &&
	test_expect_code 2 mlxk health a b 2>err &&
	test_grep "too many arguments" err &&
	test_expect_code 2 mlxk health --frob 2>err &&
	test_expect_code 2 mlxk health --fix-permissions 2>err &&
	test_grep "needs --cache" err &&
	test_expect_code 2 mlxk health --frob --json >out &&
	json_check out "d[\"status\"] == \"error\""
'

test_expect_success '--verify and --cache go to the doctor' '
	{ mlxk health --verify >out 2>err; rc=$?; } &&
	test_grep ! "^Summary:" out &&
	{ mlxk health --cache >out 2>err; rc2=$?; } &&
	test_grep ! "^Summary:" out &&
	test $rc -le 2 && test $rc2 -le 2
'

test_expect_success 'a model without snapshots is reported, not fatal' '
	mkdir -p "$(repo_dir org/nosnap)/snapshots" "$(repo_dir org/nodir)/blobs" &&
	test_expect_code 1 mlxk health --json >out &&
	json_check out "{e[\"name\"]: e[\"reason\"] for e in d[\"data\"][\"unhealthy\"]}[\"org/nosnap\"] == \"No snapshots found\"" &&
	json_check out "{e[\"name\"]: e[\"reason\"] for e in d[\"data\"][\"unhealthy\"]}[\"org/nodir\"] == \"No snapshots directory found\""
'

test_done
