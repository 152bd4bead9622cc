# Test library for mlxk's black-box tests (after git's t/test-lib.sh).
#
# Each script sources this file, runs test_expect_success blocks and ends
# with test_done. Output is TAP. Every script works in its own trash
# directory with HOME, HF_HOME and HF_HUB_CACHE pointing inside it, so a
# test can never see or touch the user's real cache.

TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=$(basename "$0" .sh)
: "${MLXK_BUILD:=$TEST_DIRECTORY/../build}"
MLXK_BIN="$MLXK_BUILD/mlxk"
if ! test -x "$MLXK_BIN"; then
	echo "Bail out! $MLXK_BIN not built (run make)"
	exit 1
fi

TRASH="$TEST_DIRECTORY/trash/$(basename "$MLXK_BUILD").$TEST_NAME"
rm -rf "$TRASH"
mkdir -p "$TRASH" || exit 1
cd "$TRASH" || exit 1

# A clean environment: nothing of the user's leaks in.
unset HF_HUB_CACHE HUGGINGFACE_HUB_CACHE XDG_CACHE_HOME HF_TOKEN \
	HUGGING_FACE_HUB_TOKEN HF_TOKEN_PATH HF_HUB_OFFLINE TRANSFORMERS_OFFLINE \
	HF_ENDPOINT MLXK_WORKSPACE_HOME HF_DATASETS_CACHE HF_XET_CACHE \
	HF_MODULES_CACHE HF_ASSETS_CACHE
export HOME="$TRASH/home"
export HF_HOME="$TRASH/hf"
export CACHE="$TRASH/hf/hub"
export TZ=UTC LC_ALL=C
mkdir -p "$HOME"
# Resolve python3 once: through a version manager's shim (pyenv) every
# start costs a few hundred milliseconds more on a busy machine. make
# resolves it once for the whole run (MLXK_TEST_PYTHON3).
if test -n "$MLXK_TEST_PYTHON3" && test -x "$MLXK_TEST_PYTHON3"; then
	PY3=$MLXK_TEST_PYTHON3
	PATH="${PY3%/*}:$PATH"
elif PY3=$(python3 -c "import sys; print(sys.executable)" 2>/dev/null) &&
	test -x "$PY3"; then
	PATH="$(dirname "$PY3"):$PATH"
fi
# Retries back off from 10 ms instead of 200 ms: the fault tests retry a
# lot, and t0610 checks the backoff itself with a base of its own.
export MLXK_RETRY_BASE_MS="${MLXK_RETRY_BASE_MS:-10}"
# Test-only waits (as git's GIT_TEST_* knobs): a lock file unlinked by
# rm, prune or clean-locks is held for 50 ms instead of the 2 s grace
# period. The tests of the grace period itself set their own
# (t0415, t0460, t0510).
export MLXK_LOCK_GRACE_MS="${MLXK_LOCK_GRACE_MS:-50}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

test_count=0
test_failures=0
test_skipped=0

mlxk() {
	"$MLXK_BIN" "$@"
}

say() {
	echo "# $*"
}

LF='
'

# test_when_finished CMD: run CMD after the current test body, whether it
# passed or not (a holder to kill, a mount to undo). Only in a body.
test_when_finished() {
	test_cleanup_="$1${LF}${test_cleanup_}"
}

# The body runs inside a function so that "return 1" works in it.
test_eval_body_() {
	eval "$1"
}

# Chain lint (after git's test_eval_ exit-117 trick): prefixed with
# "(exit 117) &&", a body whose every command is joined by && stops at
# once with 117. Anything else means a command after a broken chain ran,
# and that command's failure would not have failed the test.
test_chain_lint_() {
	test -n "$MLXK_TEST_CHAIN_LINT_OFF" && return 0
	(
		test_eval_body_ "(exit 117) && $1${LF}"
	) </dev/null >/dev/null 2>&1 3>&1
	test $? -eq 117
}

# test_skip_ NAME REASON: a skipped test is a failure in CI (CI=true),
# where every prerequisite is installed on purpose.
test_skip_() {
	test_count=$((test_count + 1))
	if test "$CI" = true; then
		echo "not ok $test_count - $1 # skipped in CI ($2)"
		test_failures=$((test_failures + 1))
		return 0
	fi
	echo "ok $test_count # skip $1 ($2)"
	test_skipped=$((test_skipped + 1))
}

test_expect_success() {
	if test -n "$test_skip_all"; then
		# Nothing is printed: test_done reports the whole script as
		# skipped with TAP's "1..0 # SKIP".
		test_count=$((test_count + 1))
		test_skipped=$((test_skipped + 1))
		return 0
	fi
	test_count=$((test_count + 1))
	if ! test_chain_lint_ "$2"; then
		echo "not ok $test_count - $1"
		echo "#   bug in the test script: broken &&-chain or run-away body:"
		printf '%s\n' "$2" | sed 's/^/#   > /'
		test_failures=$((test_failures + 1))
		return 0
	fi
	(
		exec 3>&1 1>"$TRASH/.out" 2>&1
		test_cleanup_=
		test_eval_body_ "$2"
		rc_=$?
		eval "$test_cleanup_"
		exit $rc_
	)
	local rc=$?
	if test $rc -eq 0; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
		echo "#   (failed with status $rc; body:)"
		printf '%s\n' "$2" | sed 's/^/#   > /'
		test_failures=$((test_failures + 1))
	fi
}

# Run a block only when a prerequisite holds; otherwise report a skip.
test_expect_success_if() {
	local cond="$1"
	shift
	if test -n "$test_skip_all" || eval "$cond" >/dev/null 2>&1; then
		test_expect_success "$@"
	else
		test_skip_ "$1" "needs: $cond"
	fi
}

test_done() {
	if test -n "$test_skip_all"; then
		if test "$CI" = true; then
			echo "1..1"
			echo "not ok 1 - skipped in CI: $test_skip_all"
			exit 1
		fi
		echo "1..0 # SKIP $test_skip_all"
		rm -rf "$TRASH"
		exit 0
	fi
	echo "1..$test_count"
	if test "$test_failures" -ne 0; then
		exit 1
	fi
	rm -rf "$TRASH"
	exit 0
}

# Expect a command to fail with a given exit code.
test_expect_code() {
	local want="$1"
	shift
	"$@"
	local got=$?
	if test "$got" -ne "$want"; then
		echo "error: '$*' exited $got, wanted $want" >&2
		return 1
	fi
	return 0
}

# Expect failure (exit 1-125), not a crash by signal.
test_must_fail() {
	"$@"
	local got=$?
	if test "$got" -eq 0; then
		echo "error: '$*' succeeded unexpectedly" >&2
		return 1
	fi
	if test "$got" -gt 125; then
		echo "error: '$*' died with status $got" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

test_path_is_file() {
	test -f "$1" || { echo "error: '$1' is not a file" >&2; return 1; }
}

test_path_is_dir() {
	test -d "$1" || { echo "error: '$1' is not a directory" >&2; return 1; }
}

test_path_is_missing() {
	if test -e "$1" || test -L "$1"; then
		echo "error: '$1' exists" >&2
		return 1
	fi
}

test_must_be_empty() {
	if test -s "$1"; then
		echo "error: '$1' is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# grep that shows the file when it does not match.
test_grep() {
	local neg=
	if test "$1" = "!"; then
		neg=1
		shift
	fi
	local file
	for file; do :; done
	if test -n "$neg"; then
		if grep "$@" >/dev/null; then
			echo "error: unexpected match in $file:" >&2
			cat "$file" >&2
			return 1
		fi
		return 0
	fi
	if ! grep "$@" >/dev/null; then
		echo "error: no match in $file:" >&2
		cat "$file" >&2
		return 1
	fi
}

test_line_count() {
	local n
	n=$(wc -l <"$3") || return 1
	n=${n//[!0-9]/}
	if ! test "$n" "$1" "$2"; then
		echo "error: $3 has $n lines, wanted $1 $2" >&2
		cat "$3" >&2
		return 1
	fi
}

# test_wait_for_file FILE: poll until another process creates FILE, its
# readiness signal (20 s at most).
test_wait_for_file() {
	local i
	for i in $(seq 400); do
		test -e "$1" && return 0
		sleep 0.05
	done
	echo "error: $1 never appeared" >&2
	return 1
}

# json_server_: start t/lib/json-server.py once per script, at the first
# json call (a test body's subshell may start it: it outlives the body and
# exits with the script).
json_server_() {
	test -e "$TRASH/.json.in.ready" && return 0
	rm -f "$TRASH/.json.in" "$TRASH/.json.out" &&
	mkfifo "$TRASH/.json.in" "$TRASH/.json.out" || return 1
	python3 "$TEST_DIRECTORY/lib/json-server.py" "$TRASH/.json.in" \
		"$TRASH/.json.out" $$ </dev/null >/dev/null 2>"$TRASH/.json.err" 3>&- &
	test_wait_for_file "$TRASH/.json.in.ready"
}

# json FILE 'python-expression over d' -- prints the value (JSON-encoded if
# not a string). Used to assert on --json output. Fails when FILE is not
# JSON or the expression raises.
json() {
	local out=
	json_server_ || return 1
	# Read-write opens of a FIFO never block, even if the server died.
	printf 'value\n%s\n%s\0' "$1" "$2" 1<>"$TRASH/.json.in" || return 1
	exec 8<>"$TRASH/.json.out"
	IFS= read -r -d '' -t 60 -u 8 out
	exec 8<&-
	case "$out" in
	ok"$LF"*)
		printf '%s\n' "${out#ok$LF}"
		;;
	error"$LF"*)
		echo "error: json '$2' on $1: ${out#error$LF}" >&2
		return 1
		;;
	*)
		echo "error: no answer from t/lib/json-server.py:" >&2
		cat "$TRASH/.json.err" >&2
		return 1
		;;
	esac
}

# json_check FILE 'python boolean over d' -- fails when it is false.
json_check() {
	local v
	v=$(json "$1" "$2") || return 1
	if test "$v" != "true"; then
		echo "error: json check '$2' is $v in $1:" >&2
		cat "$1" >&2
		return 1
	fi
}

. "$TEST_DIRECTORY/lib/cache.sh"
