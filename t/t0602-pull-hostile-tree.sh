#!/bin/bash
# mlxk pull against a Hub whose API lies: hostile tree entries, corrupt
# JSON, and tree pages that link to themselves. Each is one clear line,
# exit 1, and nothing written to the cache.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 5000 /dev/urandom | hub_file org/model main model.safetensors
fakehub_start
R="$CACHE/models--org--model"
OID=0123456789abcdef0123456789abcdef01234567

# refused KNOBS PATTERN: the pull fails with one line matching PATTERN
# and leaves no repo folder behind.
refused() {
	rm -rf "$CACHE" && knobs "$1" &&
	test_expect_code 1 timeout 20 "$MLXK_BIN" pull org/model >out 2>err &&
	test_line_count = 1 err &&
	test_grep "$2" err &&
	test_must_be_empty out &&
	test_path_is_missing "$R"
}

entry() {
	printf '{"type": "file", "oid": "%s", "size": %s, "path": "%s"}' \
		"${3:-$OID}" "$2" "$1"
}

test_expect_success 'a path listed twice is refused' '
	refused "{\"extra_entries\": [$(entry config.json 3)]}" \
		"bad tree listing: .config.json. is listed twice"
'

test_expect_success 'a path that is a file and a folder is refused' '
	refused "{\"extra_entries\": [$(entry config.json/x 3)]}" \
		"bad tree listing: .config.json. is both a file and the folder of .config.json/x."
'

test_expect_success 'a backslash path is refused' '
	refused "{\"evil_path\": \"a\\\\\\\\..\\\\\\\\x\"}" "unsafe path"
'

test_expect_success 'a huge size is refused' '
	refused "{\"extra_entries\": [$(entry big 9223372036854775807)]}" \
		"bad tree listing: .big. claims an implausible size"
'

test_expect_success 'a negative size is refused' '
	refused "{\"extra_entries\": [$(entry neg -5)]}" \
		"bad tree listing: .neg. has no size"
'

test_expect_success 'a non-hex oid is refused' '
	refused "{\"extra_entries\": [$(entry x 3 zz23456789abcdef0123456789abcdef01234567)]}" \
		"bad tree listing: .x. has no valid oid"
'

test_expect_success 'an LFS oid of the wrong length is refused' '
	refused "{\"extra_entries\": [{\"type\": \"file\", \"oid\": \"$OID\", \"size\": 3, \"path\": \"w\", \"lfs\": {\"oid\": \"$OID\", \"size\": 3}}]}" \
		"bad tree listing: .w. has no valid lfs.oid"
'

test_expect_success 'corrupt JSON from the tree API is refused' '
	refused "{\"tree_body\": \"[{\\\"type\\\": \\\"file\\\", \"}" \
		"bad tree listing"
'

test_expect_success 'corrupt JSON from the revision API is refused' '
	refused "{\"revision_body\": \"{\\\"sha\\\": 12\"}" \
		"has no valid commit hash"
'

test_expect_success 'a tree page that links to itself ends with an error' '
	hub_log_reset &&
	refused "{\"link_self\": true}" "tree listing of .org/model. does not end" &&
	hub_log "\"/tree/\" in e[\"p\"]" >pages &&
	test_line_count = 1 pages
'

test_expect_success 'after all that, a clean pull works' '
	knobs "{}" &&
	mlxk pull -q org/model &&
	blobs_are_hashes "$R"
'

test_done
