# Helpers for tests that talk to the fake Hub (t/lib/fakehub.py).
# Source after test-lib.sh, then call fakehub_start at the top level of
# the script (not inside a test body) so that the server outlives bodies.

HUBROOT="$TRASH/hubroot"
HUBLOG="$TRASH/hub.log"
KNOBS="$TRASH/knobs.json"
mkdir -p "$HUBROOT"
: >"$HUBLOG"

# hub_file ORG/NAME REV PATH < content: publish a file on the fake Hub.
hub_file() {
	local sub=
	case "$3" in
	*/*) sub="/${3%/*}" ;;
	esac
	{ test -d "$HUBROOT/$1/$2$sub" || mkdir -p "$HUBROOT/$1/$2$sub"; } &&
	cat >"$HUBROOT/$1/$2/$3"
}

# hub_commit ORG/NAME REV: the commit the fake Hub reports for REV.
hub_commit() {
	local h
	read -r h _ < <(printf '%s@%s' "$1" "$2" | sha1sum)
	echo "$h"
}

# knobs JSON: set the fault knobs (see fakehub.py); knobs '{}' clears.
knobs() {
	printf '%s' "$1" >"$KNOBS"
}

# hub_log_reset: forget the requests seen so far.
hub_log_reset() {
	: >"$HUBLOG"
}

# hub_log 'python boolean over e' -- print matching log entries.
hub_log() {
	python3 - "$HUBLOG" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2], {"e": e}):
        print(json.dumps(e))
PY
}

fakehub_start() {
	rm -f "$TRASH/hub.port"
	knobs '{}'
	python3 "$TEST_DIRECTORY/lib/fakehub.py" --root "$HUBROOT" \
		--log "$HUBLOG" --port-file "$TRASH/hub.port" \
		--knobs "$KNOBS" "$@" 2>"$TRASH/hub.err" &
	FAKEHUB_PID=$!
	trap 'kill $FAKEHUB_PID 2>/dev/null; wait $FAKEHUB_PID 2>/dev/null' EXIT
	local i=0
	while ! test -s "$TRASH/hub.port"; do
		i=$((i + 1))
		if test $i -gt 200 || ! kill -0 $FAKEHUB_PID 2>/dev/null; then
			echo "Bail out! fake Hub did not start"
			cat "$TRASH/hub.err"
			exit 1
		fi
		sleep 0.05
	done
	HUBPORT=$(cat "$TRASH/hub.port")
	export HF_ENDPOINT="http://127.0.0.1:$HUBPORT"
}

# blobs_are_hashes DIR: DIR/blobs has at least one complete blob, and
# every blob's name is its content hash.
blobs_are_hashes() {
	local b name n=0
	for b in "$1"/blobs/*; do
		test -f "$b" || continue
		name=$(basename "$b")
		case "$name" in
		*.incomplete | *.incomplete.ranges) continue ;;
		esac
		if test ${#name} -eq 64; then
			test "$(sha256_of "$b")" = "$name" || {
				echo "bad blob $b" >&2
				return 1
			}
		else
			test "$(git_blob_id "$b")" = "$name" || {
				echo "bad blob $b" >&2
				return 1
			}
		fi
		n=$((n + 1))
	done
	if test $n = 0; then
		echo "error: no blobs in $1/blobs" >&2
		return 1
	fi
}
