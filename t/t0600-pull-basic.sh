#!/bin/bash
# mlxk pull against the fake Hub: the cache layout it writes, revisions,
# include/exclude, already_exists, and the JSON shape.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 300000 /dev/urandom | hub_file org/model main model.safetensors
head -c 5000 /dev/urandom | hub_file org/model main sub/dir/weights.bin
echo hello | hub_file org/model main README.md
echo tok | hub_file org/model main tokenizer.json
printf '{"model_type":"old"}' | hub_file org/model v1.0 config.json
head -c 2000 /dev/urandom | hub_file org/model v1.0 model.safetensors
for i in 0 1 2 3 4 5 6 7 8 9; do
	head -c 20000 /dev/urandom | hub_file org/many main "f$i.bin"
done
echo odd | hub_file org/odd main "sub dir/a+b=c%d.json"
head -c 3000 /dev/urandom | hub_file org/odd main "weights #1.bin"
fakehub_start
MAIN=$(hub_commit org/model main)
V1=$(hub_commit org/model v1.0)
R="$CACHE/models--org--model"

test_expect_success 'pull downloads every file into the hub layout' '
	mlxk pull org/model >out 2>err &&
	test_grep "^pull: org/model - Downloaded 5 files (.*) -> .*/models--org--model/snapshots/$MAIN\$" out &&
	test_path_is_dir "$R/snapshots/$MAIN" &&
	printf "%s" "$MAIN" >expect && test_cmp expect "$R/refs/main" &&
	for f in config.json model.safetensors sub/dir/weights.bin README.md tokenizer.json; do
		cmp "$HUBROOT/org/model/main/$f" "$R/snapshots/$MAIN/$f" || return 1
	done &&
	blobs_are_hashes "$R" &&
	ls "$R/blobs" >blobs && test_line_count = 5 blobs &&
	! ls "$R/blobs" | grep incomplete
'

test_expect_success 'snapshot entries are relative links, one ../ per subfolder' '
	test "$(readlink "$R/snapshots/$MAIN/config.json")" = \
		"../../blobs/$(git_blob_id "$HUBROOT/org/model/main/config.json")" &&
	test "$(readlink "$R/snapshots/$MAIN/model.safetensors")" = \
		"../../blobs/$(sha256_of "$HUBROOT/org/model/main/model.safetensors")" &&
	test "$(readlink "$R/snapshots/$MAIN/sub/dir/weights.bin")" = \
		"../../../../blobs/$(sha256_of "$HUBROOT/org/model/main/sub/dir/weights.bin")"
'

test_expect_success 'CACHEDIR.TAG has huggingface_hub content; locks are empty 0664 files' '
	printf "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by huggingface_hub.\n# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n" >expect &&
	test_cmp expect "$CACHE/CACHEDIR.TAG" &&
	ls "$CACHE/.locks/models--org--model" >locks &&
	test_line_count = 5 locks &&
	for l in "$CACHE"/.locks/models--org--model/*.lock; do
		test "$(stat -c %a "$l")" = 664 && ! test -s "$l" || return 1
	done
'

test_expect_success 'the tree listing is followed through Link pagination' '
	hub_log "\"/tree/\" in e[\"p\"]" >tree &&
	test_line_count -ge 3 tree
'

test_expect_success 'LFS files come from the CDN, small files from the endpoint' '
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_line_count = 2 cdn
'

test_expect_success 'a second pull reports already_exists and fetches nothing' '
	hub_log_reset &&
	mlxk --json pull org/model >out &&
	json_check out "d[\"status\"] == \"success\" and d[\"command\"] == \"pull\"" &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\"" &&
	json_check out "d[\"data\"][\"commit_hash\"] == \"$MAIN\"" &&
	json_check out "d[\"data\"][\"model\"] == \"org/model\"" &&
	json_check out "d[\"data\"][\"message\"] == \"Model org/model already exists in cache\"" &&
	json_check out "{\"commit_hash\", \"download_status\", \"expanded_name\", \"message\", \"model\"} <= set(d[\"data\"])" &&
	! hub_log "\"/resolve/\" in e[\"p\"]" | grep .
'

test_expect_success '--json prints only the envelope' '
	rm -rf "$CACHE" &&
	mlxk pull --json org/model >out 2>err &&
	test_must_be_empty err &&
	json_check out "d[\"data\"][\"download_status\"] == \"success\"" &&
	json_check out "d[\"error\"] is None"
'

test_expect_success 'pull ORG/NAME@TAG downloads that revision and writes refs/TAG' '
	mlxk --json pull org/model@v1.0 >out &&
	json_check out "d[\"data\"][\"download_status\"] == \"success\"" &&
	json_check out "d[\"data\"][\"commit_hash\"] == \"$V1\"" &&
	printf "%s" "$V1" >expect && test_cmp expect "$R/refs/v1.0" &&
	printf "%s" "$MAIN" >expect && test_cmp expect "$R/refs/main" &&
	cmp "$HUBROOT/org/model/v1.0/config.json" "$R/snapshots/$V1/config.json"
'

test_expect_success 'a revision with slashes is encoded and gets a nested ref' '
	echo "{\"refs/pr/1\": \"v1.0\"}" >"$HUBROOT/org/model/.aliases" &&
	hub_log_reset &&
	mlxk pull -q org/model@refs/pr/1 &&
	hub_log "e[\"p\"] == \"/api/models/org/model/revision/refs%2Fpr%2F1\"" >rev &&
	test_line_count = 1 rev &&
	printf "%s" "$V1" >expect && test_cmp expect "$R/refs/refs/pr/1"
'

test_expect_success 'pull ORG/NAME@COMMIT writes no ref for the commit' '
	rm -rf "$CACHE" &&
	mlxk pull -q org/model@$V1 >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_path_is_dir "$R/snapshots/$V1" &&
	! ls "$R/refs" 2>/dev/null | grep .
'

test_expect_success 'refs are only rewritten when they change' '
	mlxk pull -q org/model &&
	touch -d "2001-01-01" "$R/refs/main" &&
	mlxk pull -q org/model &&
	test "$(stat -c %Y "$R/refs/main")" = "$(date -d 2001-01-01 +%s)"
'

test_expect_success '--include and --exclude filter with fnmatch semantics' '
	rm -rf "$CACHE" &&
	mlxk pull -q --include "*.json" --include "sub/" --exclude "tokenizer*" org/model &&
	(cd "$R/snapshots/$MAIN" && find . ! -type d | sort) >got &&
	printf "./config.json\n./sub/dir/weights.bin\n" >expect &&
	test_cmp expect got
'

test_expect_success 'a pull with more files completes a filtered snapshot' '
	mlxk pull -q org/model &&
	(cd "$R/snapshots/$MAIN" && find . ! -type d | wc -l) >n &&
	test "$(cat n)" = 5
'

test_expect_success 'nothing matching --include is an error' '
	test_expect_code 1 mlxk pull --include "*.gguf" org/model 2>err &&
	test_grep "nothing to download" err
'

test_expect_success 'without a terminal, one line per finished file on stderr' '
	rm -rf "$CACHE" &&
	mlxk pull org/model >out 2>err &&
	test_line_count = 5 err &&
	test_grep "^fetched model.safetensors (300.0KB)$" err &&
	test_line_count = 1 out
'

test_expect_success 'a short name resolves against the cache first' '
	mlxk --json pull model >out &&
	json_check out "d[\"data\"][\"expanded_name\"] == \"org/model\"" &&
	json_check out "d[\"data\"][\"download_status\"] == \"already_exists\""
'

test_expect_success '-j 1 downloads one file at a time and still works' '
	rm -rf "$CACHE" &&
	mlxk pull -q -j 1 org/model &&
	blobs_are_hashes "$R"
'

test_expect_success 'up to 8 files at once by default, -j N at most N' '
	knobs "{\"slow\": 20000, \"run\": 1}" &&
	mlxk pull -q org/many &&
	test "$(cat "$HUBLOG.peak")" = 8 &&
	knobs "{\"slow\": 20000, \"run\": 2}" &&
	rm -rf "$CACHE/models--org--many" &&
	mlxk pull -q -j 3 org/many &&
	test "$(cat "$HUBLOG.peak")" = 3 &&
	knobs "{}" &&
	blobs_are_hashes "$CACHE/models--org--many"
'

test_expect_success 'file names with spaces and reserved characters are encoded' '
	mlxk pull -q org/odd &&
	ODD="$CACHE/models--org--odd/snapshots/$(hub_commit org/odd main)" &&
	cmp "$HUBROOT/org/odd/main/sub dir/a+b=c%d.json" "$ODD/sub dir/a+b=c%d.json" &&
	cmp "$HUBROOT/org/odd/main/weights #1.bin" "$ODD/weights #1.bin" &&
	hub_log "\"/resolve/\" in e[\"p\"] and \"odd\" in e[\"p\"]" >res &&
	test_grep "sub%20dir/a%2Bb%3Dc%25d.json" res &&
	test_grep "weights%20%231.bin" res
'

test_expect_success 'relative next links are resolved against the page' '
	for form in path query; do
		rm -rf "$TRASH/rel" && hub_log_reset &&
		knobs "{\"link_relative\": \"$form\"}" &&
		mlxk --cache-dir "$TRASH/rel" pull -q org/many &&
		hub_log "\"/tree/\" in e[\"p\"] and \"cursor=\" in e[\"p\"] and e[\"s\"] == 200" >pages &&
		test_line_count -ge 2 pages &&
		ls "$TRASH/rel/models--org--many/snapshots/"*/ >files &&
		test_line_count = 10 files || return 1
	done &&
	knobs "{}"
'

test_done
