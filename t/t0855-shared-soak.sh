#!/bin/bash
# A cache shared by three real users, made shared once by
# 'health --cache --fix-permissions --group' (no cron), under load for
# MLXK_SOAK_SECONDS (default 60): every user (umask 022) pulls
# overlapping repos from the fake Hub and runs rm, clean-locks or prune
# in a loop, while Python clients count under the same blob locks the
# way huggingface_hub takes them (0664) and one the way datasets does
# (0644). The end state: no permission error anywhere, no lost increment,
# every blob verifies, no idle lock older than the clean-locks window.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"
. "$TEST_DIRECTORY/lib/users.sh"
users_require
export MLXK_BIN

PY=/usr/bin/python3
if ! $PY -c "import filelock" 2>/dev/null; then
	test "$CI" = true && { echo "Bail out! python3-filelock missing"; exit 1; }
	test_skip_all="python3-filelock not installed"
fi
SOAK=${MLXK_SOAK_SECONDS:-60}
WINDOW=5 # clean-locks --older-than in the loops, seconds
export MLXK_LOCK_GRACE_MS=300

# Three repos with some files in common (same blobs in several repos).
common=$(head -c 3000 /dev/urandom | base64)
for r in r1 r2 r3; do
	printf '{"model_type":"llama","name":"%s"}' $r | hub_file org/$r main config.json
	printf '%s' "$common" | hub_file org/$r main tokenizer.json
	head -c 400000 /dev/urandom | hub_file org/$r main model.safetensors
	head -c 150000 /dev/urandom | hub_file org/$r main extra.safetensors
done
fakehub_start

# The counters: one per repo, protected by the blob lock of that repo's
# config.json (the very lock mlxk pull, rm and clean-locks take), and one
# protected by a datasets-style lock. Counter files are outside the cache.
CNT="$TRASH/counters"
LOCKS=
for r in r1 r2 r3; do
	LOCKS="$LOCKS $CACHE/.locks/models--org--$r/$(git_blob_id "$HUBROOT/org/$r/main/config.json").lock"
done
DLOCK="$CACHE/.locks/datasets--org--d/$(printf d | sha256sum | cut -c1-64).lock"
LOGS="$TRASH/logs"

# worker U REPO... : as U, pull the repos and run MAINT in turns.
worker() {
	local u=$1 maint=$2
	shift 2
	as_user "$u" bash -c '
		log=$1 soak=$2 window=$3 maint=$4
		shift 4
		end=$((SECONDS + soak))
		n=0
		while test $SECONDS -lt $end; do
			n=$((n + 1))
			for r in "$@"; do
				echo "== pull $r" >>$log
				"$MLXK_BIN" pull -q --force-resume -j 4 "$r" >>$log 2>&1
				echo "rc=$? pull" >>$log
			done
			case $maint.$((n % 2)) in
			rm.0) echo "== rm $1" >>$log
				"$MLXK_BIN" rm "$1" >>$log 2>&1 ;;
			rm.1) echo "== rm --force $2" >>$log
				"$MLXK_BIN" rm --force "$2" >>$log 2>&1 ;;
			clean.0) echo "== clean-locks window" >>$log
				"$MLXK_BIN" clean-locks --all --force \
					--older-than ${window}s >>$log 2>&1 ;;
			clean.1) echo "== clean-locks 0" >>$log
				"$MLXK_BIN" clean-locks --all --force \
					--older-than 0 >>$log 2>&1 ;;
			prune.*) echo "== prune" >>$log
				"$MLXK_BIN" prune --force >>$log 2>&1 ;;
			esac
			echo "rc=$? $maint" >>$log
		done
	' worker "$LOGS/$u.log" "$SOAK" "$WINDOW" "$maint" "$@"
}

test_expect_success 'setup: root makes the cache shared, once' '
	shared_cache_dir "$CACHE" &&
	mlxk health --cache --fix-permissions --group $MLXKT_GROUP >out &&
	test "$(stat -c %G:%a "$CACHE")" = "$MLXKT_GROUP:2775" &&
	getfacl -p "$CACHE" >acl &&
	test_grep "^default:group:$MLXKT_GROUP:rwx" acl &&
	mkdir -m 0777 "$LOGS" "$CNT" &&
	for i in 1 2 3 d; do printf "0\n" >"$CNT/c$i"; chmod 0666 "$CNT/c$i" || return 1; done
'
if test $test_failures != 0; then
	echo "Bail out! the shared cache could not be set up"
	exit 1
fi

test_expect_success "three users with umask 022 for $SOAK s" '
	pids= &&
	{ worker mlxkt_a rm org/r1 org/r2 & } && pids="$pids $!" &&
	{ worker mlxkt_b clean org/r2 org/r3 & } && pids="$pids $!" &&
	{ worker mlxkt_c prune org/r3 org/r1 & } && pids="$pids $!" &&
	set -- $LOCKS &&
	for u in $MLXKT_USERS; do
		{ as_user $u $PY "$TEST_DIRECTORY/lib/lockclient.py" --style hf \
			--lock "$1" --counter "$CNT/c1" --lock "$2" --counter "$CNT/c2" \
			--lock "$3" --counter "$CNT/c3" --seconds $SOAK \
			--out "$LOGS/py-$u.json" 2>"$LOGS/py-$u.err" & } &&
		pids="$pids $!" || return 1
	done &&
	{ as_user mlxkt_c $PY "$TEST_DIRECTORY/lib/lockclient.py" --style datasets \
		--lock "$DLOCK" --counter "$CNT/cd" --seconds $SOAK \
		--out "$LOGS/py-ds.json" 2>"$LOGS/py-ds.err" & } &&
	pids="$pids $!" &&
	rc=0 &&
	for p in $pids; do wait $p || rc=1; done &&
	test $rc = 0
'

# figures KEY: a number for the report.
figure() {
	grep -c "$1" "$LOGS"/mlxkt_?.log | awk -F: "{s += \$2} END {print s}"
}

test_expect_success 'no permission error in any mlxk or Python client' '
	! grep -il "permission denied\|EACCES\|not writable\|PermissionError" \
		"$LOGS"/*.log "$LOGS"/*.err &&
	for j in "$LOGS"/py-*.json; do
		json_check "$j" "d[\"errors\"].get(\"PermissionError\", 0) == 0 and d[\"errors\"].get(\"Timeout\", 0) == 0" || return 1
	done
'

test_expect_success 'no lost increment: every counter equals the sum of its increments' '
	$PY - "$LOGS" "$CNT" <<-\EOF
	import glob, json, sys
	logs, cnt = sys.argv[1:]
	total = {}
	for f in glob.glob(logs + "/py-*.json"):
	    for k, v in json.load(open(f))["increments"].items():
	        total[k] = total.get(k, 0) + v
	bad = 0
	for k, v in sorted(total.items()):
	    have = int(open(k).read())
	    print(k, "increments", v, "counter", have)
	    bad += have != v
	assert len(total) == 4 and min(total.values()) > 0, total
	sys.exit(1 if bad else 0)
	EOF
'

test_expect_success 'no idle lock older than the window is left' '
	# The loops ran clean-locks every few seconds: nothing idle may be
	# much older than its window, whoever created it.
	now=$(date +%s) &&
	find "$CACHE/.locks" -name "*.lock" -type f >locks &&
	while read -r l; do
		age=$((now - $(stat -c %Y "$l")))
		if test $age -gt $((WINDOW + 30)) && flock -n "$l" true; then
			echo "idle for ${age}s: $l ($(stat -c %U:%a "$l"))"; return 1
		fi
	done <locks &&
	mlxk_as mlxkt_b --json clean-locks --all --force --older-than ${WINDOW}s >j &&
	json_check j "d[\"status\"] == \"success\"" &&
	now=$(date +%s) &&
	find "$CACHE/.locks" -name "*.lock" -type f >locks &&
	while read -r l; do
		test $((now - $(stat -c %Y "$l"))) -le $WINDOW ||
			{ echo "left: $l"; return 1; }
	done <locks
'

test_expect_success 'every user can pull everything afterwards; every blob verifies' '
	for u in $MLXKT_USERS; do
		for r in org/r1 org/r2 org/r3; do
			mlxk_as $u pull -q --force-resume $r 2>>err || return 1
		done
	done &&
	test_must_be_empty err &&
	mlxk_as mlxkt_c --json health --verify >j &&
	json_check j "len(d[\"data\"][\"verify\"][\"models\"]) == 3" &&
	json_check j "all(m[\"healthy\"] for m in d[\"data\"][\"verify\"][\"models\"])" &&
	for r in r1 r2 r3; do blobs_are_hashes "$CACHE/models--org--$r" || return 1; done
'

test_expect_success 'what the users created stays group-writable (no cron)' '
	find "$CACHE" -mindepth 1 \( -type d ! -perm -2070 -o -type f ! -perm -060 \) \
		! -path "$CACHE/.locks/datasets--*" >bad &&
	test_must_be_empty bad &&
	mlxk_as mlxkt_a --json health --cache >j &&
	json_check j "[i[\"path\"] for i in d[\"data\"][\"cache\"][\"categories\"][\"permissions\"][\"items\"] if not i[\"path\"].startswith(\".locks/datasets--\")] == []"
'

# The figures that docs/shared-cache.md quotes.
{
	say "soak: $SOAK s, pulls $(figure '^== pull'), failed pulls $(grep -c '^rc=[1-9].* pull' "$LOGS"/mlxkt_?.log | awk -F: '{s += $2} END {print s}')"
	say "soak: rm $(figure '^== rm'), clean-locks $(figure '^== clean-locks'), prune $(figure '^== prune')"
	# why pulls failed (rm removing the repo under them): first error lines
	awk '/^== /{e=""} /^mlxk: error:/{if(e=="")e=$0} /^rc=[1-9].* pull/{print e}' "$LOGS"/mlxkt_?.log |
		sed 's/[0-9a-f]\{40,64\}/<hash>/g' | sort | uniq -c | while read -r line; do say "soak: failed pull: $line"; done
	for j in "$LOGS"/py-*.json; do
		test -f "$j" && say "soak: $(basename "$j" .json): $($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["style"], d["mode"], "increments", sum(d["increments"].values()), "errors", d["errors"])' "$j")"
	done
} 2>/dev/null

test_done
