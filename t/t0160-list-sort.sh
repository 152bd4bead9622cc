#!/bin/bash
# list: --sort and --limit as hf cache ls orders, globs, several
# --framework values, sizes over all revisions, a total line, --revisions.
. "$(dirname "$0")/test-lib.sh"

# names OUT: the Name column of a human table (no header, no total line).
names() {
	sed -n '3,$p' "$1" | sed '$d' | sed 's/ *|.*//'
}

# atime_of ORG/NAME DATE: set every blob's atime.
atime_of() {
	touch -a -d "$2" "$(repo_dir "$1")"/blobs/*
}

test_expect_success 'setup: models of different sizes, dates and uses' '
	make_model org/small &&
	make_model mlx-community/Zeta-4bit &&
	make_model org/twice c0ffee0000000000000000000000000000000001 &&
	make_model org/twice c0ffee0000000000000000000000000000000002 &&
	head -c 100000 /dev/urandom | add_file org/big "$(commit_for org/big)" model-2.safetensors --lfs >/dev/null &&
	make_model org/big &&
	make_model org/pt "" pytorch &&
	make_model org/gg "" gguf &&
	touch -d 2024-01-01 "$(repo_dir org/small)"/snapshots/* &&
	touch -d 2025-01-01 "$(repo_dir mlx-community/Zeta-4bit)"/snapshots/* &&
	touch -d 2023-01-01 "$(repo_dir org/twice)"/snapshots/* &&
	touch -d 2022-01-01 "$(repo_dir org/big)"/snapshots/* &&
	atime_of org/small 2020-01-01 && atime_of mlx-community/Zeta-4bit 2026-01-01 &&
	atime_of org/twice 2021-01-01 && atime_of org/big 2019-01-01
'

test_expect_success '--sort name orders by the name shown, A-Z' '
	mlxk list --sort name >out &&
	names out >got &&
	printf "%s\n" org/big org/small org/twice Zeta-4bit >expect &&
	test_cmp expect got
'

test_expect_success '--sort name:desc reverses it' '
	mlxk list --sort name:desc >out &&
	names out >got &&
	printf "%s\n" Zeta-4bit org/twice org/small org/big >expect &&
	test_cmp expect got
'

test_expect_success '--sort size: biggest first, over all revisions' '
	mlxk list --sort size >out &&
	names out >got &&
	head -2 got >top &&
	printf "%s\n" org/big org/twice >expect &&
	test_cmp expect top
'

test_expect_success '--sort size:asc --limit 1: the smallest' '
	mlxk list --all --sort size:asc --limit 1 >out &&
	names out >got &&
	printf "%s\n" org/gg >expect &&
	test_cmp expect got
'

test_expect_success '--sort modified: newest first' '
	mlxk list --sort modified >out &&
	names out >got &&
	printf "%s\n" Zeta-4bit org/small org/twice org/big >expect &&
	test_cmp expect got
'

test_expect_success '--sort accessed: from the blobs atime, newest first' '
	mlxk list --sort accessed >out &&
	names out >got &&
	printf "%s\n" Zeta-4bit org/twice org/small org/big >expect &&
	test_cmp expect got &&
	mlxk list --sort accessed:asc --limit 1 >out &&
	names out >got &&
	echo org/big >expect &&
	test_cmp expect got
'

test_expect_success 'listing does not count as access (atime kept)' '
	b=$(ls "$(repo_dir org/small)/blobs" | head -1) &&
	before=$(stat -c %X "$(repo_dir org/small)/blobs/$b") &&
	mlxk list --all >/dev/null && mlxk show org/small >/dev/null &&
	after=$(stat -c %X "$(repo_dir org/small)/blobs/$b") &&
	test "$before" = "$after"
'

test_expect_success '--limit in JSON cuts the models after sorting' '
	mlxk --json list --sort size --limit 2 >out &&
	json_check out "[m[\"name\"] for m in d[\"data\"][\"models\"]] == [\"org/big\", \"org/twice\"]" &&
	json_check out "d[\"data\"][\"count\"] == 2" &&
	json_check out "set(d[\"data\"]) == {\"models\", \"count\"}"
'

test_expect_success 'bad --sort and --limit are usage errors' '
	test_expect_code 2 mlxk list --sort big 2>err &&
	test_grep "^mlxk: error: unknown sort key .big." err &&
	test_expect_code 2 mlxk list --sort size:up 2>err &&
	test_expect_code 2 mlxk list --limit -1 2>err &&
	test_grep "^mlxk: error: --limit wants a number" err
'

test_expect_success 'a glob pattern matches org/name or the name alone' '
	mlxk list "zeta*" >out &&
	names out >got &&
	echo Zeta-4bit >expect &&
	test_cmp expect got &&
	mlxk list --all "org/[bs]*" >out &&
	names out >got &&
	printf "%s\n" org/big org/small >expect &&
	test_cmp expect <(sort got)
'

test_expect_success 'several --framework values combine' '
	mlxk list --all --framework gguf --framework pytorch --sort name >out &&
	names out >got &&
	printf "%s\n" org/gg org/pt >expect &&
	test_cmp expect got
'

test_expect_success 'a Disk column and a total line when revisions add up' '
	mlxk list twice >out &&
	test_grep "| Size  | Disk  |" out &&
	test_grep "^org/twice .* | 4.2KB | 8.3KB |" out &&
	test_grep "^1 model, 2 revisions, 8.3KB on disk$" out
'

test_expect_success 'the total line adds up the models shown' '
	mlxk list --all --framework gguf --framework pytorch >out &&
	test_grep "^2 models, 2 revisions, 8.3KB on disk$" out
'

test_expect_success '--revisions: one row per revision with refs' '
	mlxk list --revisions twice >out &&
	test_grep "^Name *| Revision | Size *| Modified *| Refs" out &&
	test_grep "^org/twice | c0ffee0  | 4.2KB | 2023-01-01 | (detached)$" out &&
	test_grep "^org/twice | c0ffee0  | 4.2KB | 2023-01-01 | main$" out &&
	test_grep "^2 revisions, 8.3KB on disk$" out
'

test_expect_success '--revisions --json: revisions, disk usage, total' '
	mlxk --json list --revisions twice >out &&
	json_check out "len(d[\"data\"][\"revisions\"]) == 2" &&
	json_check out "sorted(r[\"refs\"] for r in d[\"data\"][\"revisions\"]) == [[], [\"main\"]]" &&
	json_check out "all(r[\"snapshot_path\"] == \"$CACHE/models--org--twice/snapshots/\" + r[\"hash\"] for r in d[\"data\"][\"revisions\"])" &&
	json_check out "d[\"data\"][\"disk_usage\"][0][\"size_on_disk_bytes\"] == d[\"data\"][\"total_size_on_disk_bytes\"]" &&
	json_check out "d[\"data\"][\"disk_usage\"][0][\"revisions\"] == 2" &&
	json_check out "d[\"data\"][\"disk_usage\"][0][\"last_accessed\"] == \"2021-01-01T00:00:00Z\""
'

test_done
