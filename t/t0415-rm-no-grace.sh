#!/bin/bash
# No wait without a reason: a grace period is waited only for lock files
# that existed (someone may have them open), never for the ones rm and
# prune create themselves to keep downloads out while they delete, unless
# another process opened one of those meanwhile.
. "$(dirname "$0")/test-lib.sh"
# A grace period far above what any of these commands needs otherwise.
export MLXK_LOCK_GRACE_MS=4000

# ms CMD...: run CMD, print its wall time in milliseconds to ./ms.
ms() {
	local t0 t1 rc
	t0=$(date +%s%N)
	"$@"
	rc=$?
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >ms
	return $rc
}

test_expect_success 'rm of a model without lock files returns at once' '
	make_model org/alpha &&
	ms mlxk rm org/alpha --force >out &&
	test_grep "Deleted entire model org/alpha" out &&
	test "$(cat ms)" -lt 1500 &&
	test_path_is_missing "$(repo_dir org/alpha)" &&
	test_path_is_missing "$CACHE/.locks/models--org--alpha"
'

test_expect_success 'rm of a revision without lock files returns at once' '
	make_model org/beta c1 &&
	make_model org/beta c2 &&
	ms mlxk rm org/beta@c2 --force >out &&
	test "$(cat ms)" -lt 1500 &&
	test_path_is_dir "$(repo_dir org/beta)/snapshots/c1" &&
	test_path_is_missing "$(repo_dir org/beta)/snapshots/c2" &&
	test_path_is_missing "$CACHE/.locks/models--org--beta"
'

test_expect_success 'rm --json without lock files returns at once' '
	make_model org/gamma &&
	ms mlxk rm org/gamma --force --json >out &&
	json_check out "d[\"status\"] == \"success\"" &&
	test "$(cat ms)" -lt 1500
'

test_expect_success 'prune of an orphan blob without a lock file returns at once' '
	make_model org/delta &&
	printf orphan >"$(repo_dir org/delta)/blobs/0123456789abcdef0123456789abcdef01234567" &&
	ms mlxk prune --expire now --force >out &&
	test_path_is_missing "$(repo_dir org/delta)/blobs/0123456789abcdef0123456789abcdef01234567" &&
	test "$(cat ms)" -lt 1500
'

test_expect_success 'clean-locks with nothing to clean returns at once' '
	make_model org/eps &&
	ms mlxk clean-locks --all --force >out &&
	test "$(cat ms)" -lt 1500
'

test_expect_success 'an idle lock file that existed still gets its grace period' '
	make_model org/zeta &&
	mkdir -p "$CACHE/.locks/models--org--zeta" &&
	for b in $(ls "$(repo_dir org/zeta)/blobs"); do
		touch "$CACHE/.locks/models--org--zeta/$b.lock"
	done &&
	ms mlxk rm org/zeta --force >out &&
	test_grep "4 lock files cleaned" out &&
	test "$(cat ms)" -ge 3900 &&
	test_path_is_missing "$CACHE/.locks/models--org--zeta"
'

test_done
