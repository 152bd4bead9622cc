#!/bin/bash
# pull in a cache shared by real users: what it creates is group-usable
# whatever the umask, so the next user can add to, resume and remove it;
# EACCES is named with owner, mode and fix; another user's partial file
# that cannot be appended to does not stop a download.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"
. "$TEST_DIRECTORY/lib/users.sh"
users_require
export MLXK_BIN

A=mlxkt_a
B=mlxkt_b
G=$MLXKT_GROUP
printf '{"model_type":"llama"}' | hub_file org/p main config.json
head -c 400000 /dev/urandom | hub_file org/p main model.safetensors
printf '{"model_type":"llama","v":2}' | hub_file org/p v2 config.json
head -c 300000 /dev/urandom | hub_file org/p v2 model.safetensors
fakehub_start
R="$CACHE/models--org--p"
W=$(sha256_of "$HUBROOT/org/p/main/model.safetensors")

test_expect_success 'umask 022 in a shared cache: folders 2775, files and locks 0664' '
	shared_cache_dir "$CACHE" &&
	mlxk_as $A pull -q org/p &&
	find "$CACHE" -mindepth 1 -type d ! -perm 2775 >bad &&
	find "$CACHE" -type f ! -perm 0664 >>bad &&
	test_must_be_empty bad &&
	test "$(find "$CACHE" -mindepth 1 ! -group $G | wc -l)" = 0
'

test_expect_success 'a second user adds a revision to it and removes it all' '
	mlxk_as $B pull -q org/p@v2 &&
	test "$(ls "$R/snapshots" | wc -l)" = 2 &&
	mlxk_as $B rm --force org/p &&
	test_path_is_missing "$R" &&
	test_path_is_missing "$CACHE/.locks/models--org--p"
'

test_expect_success 'prune makes a missing lock folder 2775 too' '
	mlxk_as $A pull -q org/p &&
	rm -rf "$CACHE/.locks" "$R"/snapshots/*/config.json &&
	MLXK_LOCK_GRACE_MS=50 mlxk_as $B prune --expire now --force >out &&
	test "$(stat -c %a "$CACHE/.locks")" = 2775 &&
	test "$(stat -c %a "$CACHE/.locks/models--org--p")" = 2775
'

test_expect_success 'a cache that is not shared keeps the umask (0755, 0644)' '
	rm -rf "$CACHE" && mkdir -p "$CACHE" && chmod 0755 "$CACHE" &&
	(umask 022 && mlxk pull -q org/p) &&
	test "$(stat -c %a "$R/blobs")" = 755 &&
	test "$(stat -c %a "$R/refs/main")" = 644
'

test_expect_success 'EACCES is named as such, with owner, mode and fix' '
	rm -rf "$CACHE" && shared_cache_dir "$CACHE" &&
	mlxk_as $A pull -q org/p &&
	chmod 2755 "$R/snapshots" &&
	test_expect_code 1 mlxk_as $B pull -q org/p@v2 2>err &&
	test_grep "Permission denied (its folder: owner $A, mode 2755; fix: run .mlxk health --cache --fix-permissions. as $A or root)" err &&
	test_grep ! "No such file or directory" err
'

test_expect_success 'a lock that cannot be created: EACCES, not "No such file"' '
	rm -rf "$CACHE" && shared_cache_dir "$CACHE" &&
	mlxk_as $A pull -q org/p &&
	rm "$CACHE"/.locks/models--org--p/*.lock &&
	chmod 2755 "$CACHE/.locks/models--org--p" && rm "$R/blobs/$W" &&
	test_expect_code 1 mlxk_as $B pull -q --force-resume org/p 2>err &&
	test_grep "cannot open lock .*$W.lock.: Permission denied (its folder: owner $A, mode 2755; fix:" err &&
	test_grep ! "No such file or directory" err
'

test_expect_success 'another user'"'"'s partial file: a download of our own, no prompt' '
	rm -rf "$CACHE" && shared_cache_dir "$CACHE" &&
	mlxk_as $A pull -q org/p &&
	rm "$R/blobs/$W" "$R"/snapshots/*/model.safetensors &&
	head -c 1000 "$HUBROOT/org/p/main/model.safetensors" >"$R/blobs/$W.incomplete" &&
	chown $A "$R/blobs/$W.incomplete" && chmod 0644 "$R/blobs/$W.incomplete" &&
	mlxk_as $B pull org/p </dev/null >out 2>err &&
	cmp "$HUBROOT/org/p/main/model.safetensors" "$R/blobs/$W" &&
	test "$(stat -c %U "$R/blobs/$W")" = $B &&
	test_path_is_file "$R/blobs/$W.incomplete" &&
	test "$(ls "$R/blobs" | grep -c "^$W\.[0-9a-f]\{8\}\.incomplete$")" = 0
'

test_expect_success 'an interrupted one is resumed by its owner, from its own file' '
	rm "$R/blobs/$W" "$R"/snapshots/*/model.safetensors && hub_log_reset &&
	knobs "{\"slow\": 200000}" &&
	{ setpriv --reuid=$B --regid=$G --init-groups -- \
		sh -c "umask 022; exec \"\$@\"" sh "$MLXK_BIN" pull --force-resume org/p >out 2>err & } &&
	pid=$! &&
	for i in $(seq 100); do
		P=$(ls "$R/blobs" | grep "^$W\.[0-9a-f]\{8\}\.incomplete$") &&
		test -s "$R/blobs/$P" && break
		sleep 0.1
	done &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	knobs "{}" &&
	P=$(ls "$R/blobs" | grep "^$W\.[0-9a-f]\{8\}\.incomplete$") &&
	size=$(stat -c %s "$R/blobs/$P") && test "$size" -gt 0 &&
	test "$(stat -c %U "$R/blobs/$P")" = $B &&
	hub_log_reset &&
	mlxk_as $B pull --force-resume org/p >out 2>err &&
	hub_log "e[\"host\"] == \"127.0.0.2\"" >cdn &&
	test_grep "\"range\": \"bytes=$size-\"" cdn &&
	cmp "$HUBROOT/org/p/main/model.safetensors" "$R/blobs/$W" &&
	test_path_is_missing "$R/blobs/$P"
'

test_done
