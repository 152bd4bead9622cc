#!/bin/bash
# Names from the cache never reach the terminal raw: escape sequences (ESC,
# OSC that retitles a terminal, BEL) and newlines that would fake a line
# are escaped in every human output; --json keeps the exact bytes.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/datasets.sh"

# ESC ] 0 ; title BEL (OSC), a CSI, and a newline followed by a fake line.
EVIL=$(printf 'x\033]0;pwned\007y\033[2Jz\nFAKE LINE')
ORPHAN="$EVIL"

# raw_free FILE...: no ESC, BEL or other C0 control byte (but newline and
# tab) in the files, and no line that starts with the fake one.
raw_free() {
	local f
	for f; do
		if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$f"; then
			echo "error: control bytes in $f:" >&2
			od -c "$f" | head -20 >&2
			return 1
		fi
		if grep -q "^FAKE LINE" "$f"; then
			echo "error: a name broke a line in $f:" >&2
			cat "$f" >&2
			return 1
		fi
	done
}

setup() {
	rm -rf "$CACHE" &&
	make_model org/a && D=$(repo_dir org/a) && C=$(commit_for org/a) &&
	printf orphan >"$D/blobs/$ORPHAN" &&
	backdate "$D/blobs/$ORPHAN" 7200 &&
	ln -s ../../blobs/"$(ls "$D/blobs" | grep -v x | head -1)" "$D/snapshots/$C/$EVIL" &&
	mkdir -p "$CACHE/.locks/models--org--a" &&
	: >"$CACHE/.locks/models--org--a/$EVIL.lock" &&
	backdate "$CACHE/.locks/models--org--a/$EVIL.lock" 300000 &&
	mkdir -p "$CACHE/.locks/models--gone--$EVIL" &&
	: >"$CACHE/.locks/models--gone--$EVIL/a.lock"
}

test_expect_success 'health --cache escapes names' '
	setup &&
	mlxk health --cache >out 2>err &&
	raw_free out err &&
	test_grep "orphan blobs: 1" out
'

test_expect_success 'health --cache --json keeps the exact names' '
	mlxk --json health --cache >j &&
	python3 - j "$D" <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	items = d["data"]["cache"]["categories"]["orphan_blobs"]["items"]
	want = "x\x1b]0;pwned\x07y\x1b[2Jz\nFAKE LINE"
	assert [i["path"] for i in items] == ["models--org--a/blobs/" + want], items
	PY
'

test_expect_success 'show --files and health escape file names' '
	mlxk show org/a --files >out 2>err &&
	raw_free out err &&
	test_grep "pwned" out &&
	{ mlxk health org/a >out 2>err || :; } &&
	raw_free out err
'

test_expect_success 'clean-locks -v escapes lock names' '
	mlxk clean-locks --all --older-than 0 --force -v >out 2>err &&
	raw_free out err &&
	test_grep "pwned" out &&
	test_path_is_missing "$CACHE/.locks/models--org--a/$EVIL.lock"
'

test_expect_success 'prune escapes what it lists and removes' '
	setup &&
	mlxk prune --dry-run >out 2>err &&
	raw_free out err &&
	test_grep "pwned" out &&
	mlxk prune --force >out 2>err &&
	raw_free out err &&
	test_path_is_missing "$D/blobs/$ORPHAN"
'

test_expect_success 'rm escapes what it lists' '
	setup &&
	mlxk rm org/a --dry-run >out 2>err &&
	raw_free out err &&
	mlxk rm org/a --force >out 2>err &&
	raw_free out err &&
	test_path_is_missing "$D"
'

test_expect_success 'a repo folder name with escapes is escaped by list, health and rm' '
	rm -rf "$CACHE" &&
	make_model org/a &&
	mv "$(repo_dir org/a)" "$CACHE/models--org--$EVIL" &&
	mlxk list --all >out 2>err &&
	raw_free out err &&
	{ mlxk health >out 2>err || :; } &&
	raw_free out err &&
	{ mlxk health --cache >out 2>err || :; } &&
	raw_free out err
'

# User names and passwords in HF_ENDPOINT never show.
. "$TEST_DIRECTORY/lib/fakehub.sh"
printf '{"model_type":"llama"}' | hub_file org/model main config.json
fakehub_start

test_expect_success 'credentials in HF_ENDPOINT are redacted in messages' '
	rm -rf "$CACHE" &&
	HF_ENDPOINT="http://alice:s3cr3t@127.0.0.1:1" test_must_fail mlxk pull org/model >out 2>err &&
	test_grep ! "s3cr3t" out err &&
	test_grep ! "alice" out err &&
	test_grep "127.0.0.1" err
'

test_expect_success 'credentials in HF_ENDPOINT are redacted in JSON errors' '
	HF_ENDPOINT="http://alice:s3cr3t@127.0.0.1:1" test_must_fail mlxk --json pull org/model >out 2>err &&
	test_grep ! "s3cr3t" out err &&
	test_grep ! "alice" out err &&
	json_check out "d[\"status\"] == \"error\""
'

test_expect_success 'credentials are redacted in HTTP error messages too' '
	HF_ENDPOINT="http://alice:s3cr3t@127.0.0.1:$HUBPORT" test_must_fail mlxk pull org/nope >out 2>err &&
	test_grep ! "s3cr3t" out err &&
	HF_ENDPOINT="http://alice:s3cr3t@127.0.0.1:$HUBPORT" test_must_fail mlxk --json pull org/nope >out 2>err &&
	test_grep ! "s3cr3t" out err
'

test_expect_success 'clean-locks --datasets -v escapes the folders it does not enter' '
	rm -rf "$HF_HOME" && make_datasets v2 && mkdir -p elsewhere &&
	ln -s "$TRASH/elsewhere" "$DS/org___$EVIL" &&
	mlxk clean-locks --datasets --force -v >out 2>err &&
	test_grep "(a link; not entered)" out &&
	raw_free out err
'

test_done
