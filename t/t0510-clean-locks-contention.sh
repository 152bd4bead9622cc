#!/bin/bash
# mlxk clean-locks against real lock holders and real contention.
. "$(dirname "$0")/test-lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import filelock' 2>/dev/null; then
	test_skip_all="python3-filelock not installed"
fi

L="$CACHE/.locks/models--org--m"

wait_for() {
	for _ in $(seq 400); do test -e "$1" && return 0; sleep 0.05; done
	return 1
}

test_expect_success 'locks held by flock(1) and by python filelock survive --all --force' '
	mkdir -p "$L" &&
	touch "$L/free1.lock" "$L/free2.lock" &&
	flock "$L/held-flock.lock" sh -c "touch ready1; exec sleep 30" &
	H1=$!
	$PY -c "
import sys, time, filelock
l = filelock.FileLock(sys.argv[1]); l.acquire()
open(\"ready2\", \"w\").close(); time.sleep(30)
" "$L/held-py.lock" &
	H2=$!
	wait_for ready1 && wait_for ready2 &&
	MLXK_LOCK_GRACE_MS=50 mlxk clean-locks --all --force --older-than 0 -v >out;
	rc=$?
	flock -n "$L/held-flock.lock" true; f1=$?
	flock -n "$L/held-py.lock" true; f2=$?
	kill_tree $H1; kill_tree $H2; wait
	test $rc = 0 && test $f1 = 1 && test $f2 = 1 &&
	test_grep "^kept    .locks/models--org--m/held-flock.lock (held by a running process)$" out &&
	test_grep "^kept    .locks/models--org--m/held-py.lock (held by a running process)$" out &&
	test_grep "^Removed 2 lock files in 1 folder$" out &&
	test_path_is_file "$L/held-flock.lock" &&
	test_path_is_file "$L/held-py.lock" &&
	test_path_is_missing "$L/free1.lock"
'

test_expect_success 'a lock taken during the grace period lands on a fresh file' '
	rm -rf "$L" && mkdir -p "$L" && touch "$L/x.lock" || return 1
	$PY -c "
import os, sys, time, filelock
deadline = time.time() + 60
while os.path.exists(sys.argv[1]) and time.time() < deadline:
    time.sleep(0.01)
l = filelock.FileLock(sys.argv[1]); l.acquire(timeout=10)
print(\"acquired\")
" "$L/x.lock" >py.out &
	taker=$!
	MLXK_LOCK_GRACE_MS=5000 mlxk clean-locks --all --force --older-than 0 >out &
	cleaner=$!
	wait $taker &&
	kill -0 $cleaner &&
	wait $cleaner &&
	test_grep acquired py.out &&
	test_path_is_file "$L/x.lock" &&
	test_grep "^Removed 1 lock file in 1 folder$" out
'

test_expect_success 'more locks than descriptors: sets are handed to helpers' '
	rm -rf "$L" && mkdir -p "$L" &&
	(cd "$L" && for i in $(seq 600); do : >"$i.lock"; done) &&
	flock "$L/300.lock" sh -c "touch ready3; exec sleep 30" &
	H=$!
	wait_for ready3 &&
	start=$(date +%s%N) &&
	(ulimit -n 200 && MLXK_LOCK_GRACE_MS=400 mlxk clean-locks --all --force --older-than 0 >out);
	rc=$?
	end=$(date +%s%N)
	flock -n "$L/300.lock" true; f=$?
	kill_tree $H; wait
	test $rc = 0 && test $f = 1 &&
	test_grep "^Removed 599 lock files in 1 folder$" out &&
	test "$(ls "$L")" = 300.lock &&
	ms=$(((end - start) / 1000000)) &&
	say "600 locks with 200 descriptors and a 400 ms grace: $ms ms" >&3 &&
	test $ms -ge 400
'

# Workers count under a lock (read, sleep, write) while clean-locks deletes
# lock files in a loop: no increment may be lost. filelock workers poll
# (non-blocking flock, reopening the path); flock(1) workers block in
# flock(), which only the escort of blocked waiters protects.
test_expect_success 'mutual exclusion holds while clean-locks runs in a loop' '
	rm -rf "$L" && mkdir -p "$L" &&
	make_model org/m &&
	echo 0 >counter &&
	cat >worker.py <<-\EOF &&
	import random, sys, time, filelock
	lock, counter, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
	for _ in range(n):
	    with filelock.FileLock(lock).acquire(poll_interval=0.005):
	        v = int(open(counter).read())
	        time.sleep(0.002)
	        open(counter, "w").write(str(v + 1))
	    time.sleep(random.random() * 0.03)
	EOF
	cat >flockworker.sh <<-\EOF &&
	for i in $(seq "$3"); do
		flock "$1" sh -c "v=\$(cat $2); sleep 0.002; echo \$((v + 1)) >$2"
		sleep 0.0$((RANDOM % 3))$((RANDOM % 10))
	done
	EOF
	: >running &&
	pids=
	for w in 1 2 3; do
		$PY worker.py "$L/c.lock" counter 100 & pids="$pids $!"
	done
	for w in 1 2 3; do
		bash flockworker.sh "$L/c.lock" counter 100 & pids="$pids $!"
	done
	(
		while test -e running; do
			MLXK_LOCK_GRACE_MS=100 "$MLXK_BIN" clean-locks --all --force --older-than 0 >>cl.out || exit 1
		done
	) &
	cleaner=$!
	start=$(date +%s)
	wait $pids;
	rm -f running
	wait $cleaner &&
	removed=$(grep -c "^Removed 1 " cl.out) &&
	say "counter $(cat counter) of 600 in $(($(date +%s) - start)) s; lock file removed $removed times meanwhile" >&3 &&
	test "$(cat counter)" = 600 &&
	test "$removed" -gt 0
'

test_done
