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

test_expect_success() {
	test_count=$((test_count + 1))
	if test -n "$test_skip_all"; then
		echo "ok $test_count # skip $1 ($test_skip_all)"
		test_skipped=$((test_skipped + 1))
		return 0
	fi
	(
		exec 3>&1 1>"$TRASH/.out" 2>&1
		eval "$2"
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
	if eval "$cond" >/dev/null 2>&1; then
		test_expect_success "$@"
	else
		test_count=$((test_count + 1))
		echo "ok $test_count # skip $1 (needs: $cond)"
		test_skipped=$((test_skipped + 1))
	fi
}

test_done() {
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
	n=$(wc -l <"$3" | tr -d ' ')
	if ! test "$n" "$1" "$2"; then
		echo "error: $3 has $n lines, wanted $1 $2" >&2
		cat "$3" >&2
		return 1
	fi
}

# json FILE 'python-expression over d' -- prints the value (JSON-encoded if
# not a string). Used to assert on --json output.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d, "len": len, "sorted": sorted, "set": set,
                       "any": any, "all": all})
print(v if isinstance(v, str) else json.dumps(v))
PY
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
