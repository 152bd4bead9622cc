#!/bin/bash
# Descriptors, signals, network: verify within macOS's default descriptor
# limit, a second Ctrl-C that ends any wait at once, SIGPIPE that cannot
# kill a pull, redirects only to http(s).
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'health --verify over 100 models works under ulimit -n 256' '
	make_model org/m1 &&
	for i in $(seq 2 100); do
		cp -a "$CACHE/models--org--m1" "$CACHE/models--org--m$i" || return 1
	done &&
	(ulimit -n 256 && mlxk health --verify >out 2>err) &&
	test_grep ! "unreadable:" out &&
	test_grep ! "no snapshot" out &&
	test_grep "^Verified 400 files of 100 models: 400 ok" out &&
	(ulimit -n 256 && mlxk --json health --verify >j) &&
	json_check j "d[\"data\"][\"verify\"][\"summary\"][\"healthy_count\"] == 100"
'

# A soft limit far below the hard one (macOS shells: 256 of a much higher
# hard limit) is raised first, as the lock code does: at 8 descriptors,
# not raised, files came back unreadable.
test_expect_success 'health --verify raises a low soft descriptor limit to the hard one' '
	hard=$(ulimit -H -n) &&
	{ test "$hard" = unlimited || test "$hard" -ge 64; } &&
	(ulimit -S -n 8 && mlxk health --verify >out 2>err) &&
	test_grep "^Verified 400 files of 100 models: 400 ok, 0 corrupted, 0 unverifiable, 0 unreadable" out
'

# wait_gone PID SECONDS: true once PID has exited, within SECONDS.
wait_gone() {
	for _ in $(seq $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

test_expect_success 'a second Ctrl-C ends the grace wait at once' '
	rm -rf "$CACHE" && make_model org/a &&
	L="$CACHE/.locks/models--org--a" && mkdir -p "$L" &&
	: >"$L/x.lock" && backdate "$L/x.lock" 300000 &&
	{ MLXK_LOCK_GRACE_MS=60000 "$MLXK_BIN" clean-locks --all --older-than 0 --force >out 2>err & pid=$!; } &&
	for _ in $(seq 200); do test -e "$L/x.lock" || break; sleep 0.05; done &&
	test_path_is_missing "$L/x.lock" &&
	kill -INT $pid && sleep 0.3 &&
	kill -0 $pid &&
	kill -INT $pid &&
	wait_gone $pid 3 &&
	{ wait $pid; rc=$?; } &&
	test $rc = 130
'

# A program that opened the lock before it went and then waits for it
# forever: it is blocked on the old inode, and once handed over keeps it.
test_expect_success 'the escort of a lock waiter has a time limit and says what it gave up on' '
	rm -rf "$CACHE" && make_model org/a &&
	L="$CACHE/.locks/models--org--a" && mkdir -p "$L" &&
	: >"$L/x.lock" && backdate "$L/x.lock" 300000 && rm -f got &&
	{ python3 -c "
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
open(\"opened\", \"w\").close()
while os.path.exists(sys.argv[1]):
    time.sleep(0.01)
fcntl.flock(fd, fcntl.LOCK_EX)
open(\"got\", \"w\").close()
time.sleep(60)
" "$L/x.lock" & waiter=$!; } &&
	for _ in $(seq 200); do test -e opened && break; sleep 0.05; done &&
	{ MLXK_LOCK_GRACE_MS=1000 MLXK_ESCORT_LIMIT_MS=1000 "$MLXK_BIN" clean-locks --all --older-than 0 --force >out 2>err & pid=$!; } &&
	wait_gone $pid 10 &&
	{ wait $pid; rc=$?; } &&
	kill $waiter &&
	test -e got &&
	test_grep "x.lock" err
'

. "$TEST_DIRECTORY/lib/fakehub.sh"
head -c 300000 /dev/urandom | hub_file org/model main model.safetensors
printf '{"model_type":"llama"}' | hub_file org/model main config.json
printf '{"model_type":"llama"}' | hub_file org/stall main config.json
head -c 300000 /dev/urandom | hub_file org/stall main a.safetensors
head -c 300000 /dev/urandom | hub_file org/stall main b.safetensors
fakehub_start
R="$CACHE/models--org--model"

# run_broken_pipe FD ARGS...: run mlxk with FD (1 or 2) a pipe whose
# reader is gone; print its exit status (negative: killed by a signal).
run_broken_pipe() {
	python3 - "$MLXK_BIN" "$@" <<-\PY
	import os, subprocess, sys
	r, w = os.pipe()
	os.close(r)
	fd = int(sys.argv[2])
	kw = {"stdout": w} if fd == 1 else {"stderr": w, "stdout": subprocess.DEVNULL}
	p = subprocess.run([sys.argv[1]] + sys.argv[3:], **kw)
	print(p.returncode)
	PY
}

test_expect_success 'SIGPIPE on stdout cannot kill pull' '
	rm -rf "$CACHE" &&
	rc=$(run_broken_pipe 1 pull org/model) &&
	test "$rc" -ge 0 && test "$rc" -le 1 &&
	test -f "$R/snapshots/$(hub_commit org/model main)/model.safetensors"
'

test_expect_success 'SIGPIPE on stderr cannot kill pull' '
	rm -rf "$CACHE" &&
	rc=$(run_broken_pipe 2 pull org/model) &&
	test "$rc" -ge 0 && test "$rc" -le 1 &&
	test -f "$R/snapshots/$(hub_commit org/model main)/model.safetensors"
'

test_expect_success 'a redirect to a non-http(s) URL is refused' '
	rm -rf "$CACHE" &&
	knobs "{\"cdn_base\": \"file:///etc\"}" &&
	test_must_fail mlxk pull org/model 2>err &&
	test_grep "^mlxk: error: .*redirect.*file" err &&
	rm -rf "$CACHE" &&
	knobs "{\"cdn_base\": \"ftp://127.0.0.1:$HUBPORT/cdn\"}" &&
	test_must_fail mlxk pull org/model 2>err &&
	test_grep "^mlxk: error: .*redirect.*ftp" err &&
	knobs "{}"
'

# stderr a pipe that is full and never read: the worker that reports the
# small file blocks in write(2), but the other transfers must still land
# their blobs (no progress output while holding the transfer mutex).
test_expect_success 'a stalled stderr does not stall the transfers' '
	rm -rf "$CACHE" pull.rc && mkfifo stall.fifo &&
	S="$CACHE/models--org--stall" &&
	knobs "{\"rate\": 150000}" &&
	exec 7<>stall.fifo &&
	timeout 5 head -c 65536 /dev/zero >&7 &&
	{ { "$MLXK_BIN" pull -j 3 org/stall 2>&7 >/dev/null 3>&-; echo $? >pull.rc; } 3>&- & pid=$!; } &&
	test_when_finished "pkill -KILL -P $pid 2>/dev/null; exec 7>&-" &&
	for _ in $(seq 400); do
		test "$(ls "$S/blobs" 2>/dev/null | grep -cv incomplete)" -ge 3 && break
		sleep 0.05
	done &&
	test "$(ls "$S/blobs" | grep -cv incomplete)" -ge 3 &&
	kill -0 $pid &&
	{ timeout 10 cat <&7 >/dev/null & drain=$!; } &&
	wait_gone $pid 10 &&
	kill $drain && { wait $drain; test $? -eq 143; } &&
	knobs "{}" &&
	test "$(cat pull.rc)" = 0
'

test_done
