#!/bin/bash
# health --verify and --cache in JSON: command "health" and MLX-Knife's
# required data keys, with their own reports beside them.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: a good model and one with a damaged blob' '
	make_model org/good &&
	make_model org/bad &&
	b=$(ls "$(repo_dir org/bad)/blobs" | head -1) &&
	chmod u+w "$(repo_dir org/bad)/blobs/$b" &&
	printf "x" >>"$(repo_dir org/bad)/blobs/$b"
'

# mlx_knife_health FILE: data has healthy/unhealthy/summary as MLX-Knife's
# schema wants them (entries of exactly name, status, reason).
mlx_knife_health() {
	json_check "$1" "d[\"command\"] == \"health\"" &&
	json_check "$1" "{\"healthy\", \"unhealthy\", \"summary\"} <= set(d[\"data\"])" &&
	json_check "$1" "all(sorted(e) == [\"name\", \"reason\", \"status\"] for e in d[\"data\"][\"healthy\"] + d[\"data\"][\"unhealthy\"])" &&
	json_check "$1" "sorted(d[\"data\"][\"summary\"]) == [\"healthy_count\", \"total\", \"unhealthy_count\"]"
}

test_expect_success '--verify: the damaged model is unhealthy, verify beside' '
	test_expect_code 1 mlxk --json health --verify >out &&
	mlx_knife_health out &&
	json_check out "\"verify\" in d[\"data\"]" &&
	json_check out "[e[\"name\"] for e in d[\"data\"][\"unhealthy\"]] == [\"org/bad\"]" &&
	json_check out "d[\"data\"][\"summary\"] == {\"total\": 2, \"healthy_count\": 1, \"unhealthy_count\": 1}"
'

test_expect_success '--cache: the integrity report beside the cache report' '
	{ mlxk --json health --cache >out; rc=$?; } &&
	test $rc -le 1 &&
	mlx_knife_health out &&
	json_check out "\"cache\" in d[\"data\"]" &&
	json_check out "d[\"data\"][\"summary\"][\"total\"] == 2"
'

test_done
