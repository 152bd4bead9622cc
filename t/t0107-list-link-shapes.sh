#!/bin/bash
# list over snapshot links that are not in huggingface_hub's exact shape
# ("./../../blobs/x", "././../../blobs/x"): they are resolved on the list
# worker threads, which must share no parser state (run under TSan/ASan
# by make check).
. "$(dirname "$0")/test-lib.sh"

# Long "./" runs keep each link's resolution busy long enough for the
# worker threads to overlap.
DOTS=$(printf './%.0s' $(seq 1500))

test_expect_success 'setup: 100 models whose links start with ./' '
	make_model org/m1 &&
	for l in "$CACHE"/models--org--m1/snapshots/*/*; do
		t=$(readlink "$l") && ln -sfn "$DOTS$t" "$l" || return 1
	done &&
	for i in $(seq 2 100); do
		cp -a "$CACHE/models--org--m1" "$CACHE/models--org--m$i" || return 1
	done
'

test_expect_success 'list resolves every such link, on every worker' '
	mlxk list --all --health >out 2>err &&
	test_must_be_empty err &&
	grep -c "| healthy" out >n &&
	echo 100 >want && test_cmp want n
'

test_expect_success 'list --json agrees' '
	mlxk --json list --all --health >out.json &&
	json_check out.json "len(d[\"data\"][\"models\"]) == 100 and all(m[\"health\"] == \"healthy\" for m in d[\"data\"][\"models\"])"
'

test_done
