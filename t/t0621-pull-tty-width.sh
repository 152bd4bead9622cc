#!/bin/bash
# pull's progress line on a real terminal (tmux) of 40, 80 and 150
# columns: it always fits the width, so each redraw overwrites the last
# (no wrapped or repeated progress rows), a long file name is cut in the
# middle, and a resize takes effect at the next redraw.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

if ! command -v tmux >/dev/null; then
	test_skip_all="tmux is not installed"
fi
LONG=model-00001-of-00002-with-a-name-longer-than-a-narrow-pane.safetensors
printf '{"model_type":"llama"}' | hub_file org/model main config.json
head -c 1200000 /dev/urandom | hub_file org/model main "$LONG"
fakehub_start
MAIN=$(hub_commit org/model main)
SOCK="$TRASH/tmux.sock"
# A progress row: percentage, then bytes (or the percentage alone).
PROG="^ *[0-9]\{1,3\}%\( \|\$\)"

# on_tty NAME WIDTH CMD: run CMD in a detached WIDTHx30 pane, then
# "EXIT=<rc>".
on_tty() {
	tmux -S "$SOCK" new-session -d -s "$1" -x "$2" -y 30 \
		"env HOME='$HOME' HF_HOME='$HF_HOME' HF_ENDPOINT='$HF_ENDPOINT' \
		 ASAN_OPTIONS='$ASAN_OPTIONS' $3; echo EXIT=\$?; sleep 60"
}

# rows NAME: the pane's rows, scrollback included (unless VISIBLE is
# set), as the terminal shows them (a line that wrapped is two rows) into
# NAME.rows.
rows() {
	tmux -S "$SOCK" capture-pane -p ${VISIBLE:--S -} -t "$1" >"$1.rows"
}

# watch NAME WIDTH: sample the pane until EXIT= shows; every sample has
# at most one progress row, none of WIDTH columns or more. At least
# three samples must have caught the progress line.
watch() {
	local seen=0
	for _ in $(seq 600); do
		rows "$1" || return 1
		n=$(grep -c "$PROG" "$1.rows")
		if test "$n" -gt 1; then
			echo "error: $n progress rows at once:" >&2
			cat "$1.rows" >&2
			return 1
		fi
		if test "$n" = 1; then
			seen=$((seen + 1))
			grep "$PROG" "$1.rows" >"$1.prog"
			if awk -v w="$2" "length(\$0) >= w" "$1.prog" | grep -q .; then
				echo "error: a progress row of $2 columns or more:" >&2
				cat "$1.prog" >&2
				return 1
			fi
			cp "$1.prog" "$1.last"
		fi
		grep -q "EXIT=" "$1.rows" && break
		sleep 0.05
	done
	grep -q "EXIT=0" "$1.rows" &&
	if test $seen -lt 3; then
		echo "error: the progress line was caught $seen times" >&2
		return 1
	fi
}

test_expect_success 'a 40-column pane: one progress row, redrawn in place' '
	knobs "{\"rate\": 400000}" &&
	on_tty narrow 40 "$MLXK_BIN pull org/model" &&
	watch narrow 40 &&
	test_grep "ETA [0-9:]*\$" narrow.last &&
	test_grep ! "files" narrow.last &&
	! grep "$PROG" narrow.rows &&
	tmux -S "$SOCK" capture-pane -p -J -S - -t narrow >narrow.joined &&
	test_grep "^fetched $LONG (1.2MB)\$" narrow.joined &&
	real=$(cd "$CACHE" && pwd -P) &&
	test_grep "^pull: org/model - Downloaded 2 files (1.2MB) -> $real/models--org--model/snapshots/$MAIN\$" narrow.joined &&
	test_grep "^EXIT=0\$" narrow.joined &&
	tmux -S "$SOCK" kill-session -t narrow
'

test_expect_success 'an 80-column pane: the file name cut in the middle' '
	rm -rf "$CACHE" &&
	on_tty mid 80 "$MLXK_BIN pull org/model" &&
	watch mid 80 &&
	test_grep "files  model-0[^ ]*\.\.\.[^ ]*safetensors\$" mid.last &&
	tmux -S "$SOCK" kill-session -t mid
'

test_expect_success 'a 150-column pane: the whole line and the whole name' '
	rm -rf "$CACHE" &&
	on_tty wide 150 "$MLXK_BIN pull org/model" &&
	watch wide 150 &&
	test_grep "% .*B/.*B  .*B/s  ETA [0-9:]*  [01]/2 files  $LONG\$" wide.last &&
	tmux -S "$SOCK" kill-session -t wide
'

# tmux re-wraps a line when its pane narrows and keeps the cursor's row,
# pushing the rows above it into the scrollback, where no cursor movement
# reaches; clearing the screen from its top also pushes it there. So only
# the visible rows can be right after a resize.
test_expect_success 'a pane narrowed during the pull: lines fit the new width' '
	rm -rf "$CACHE" &&
	knobs "{\"rate\": 200000}" &&
	on_tty rs 150 "$MLXK_BIN pull org/model" &&
	for _ in $(seq 200); do
		rows rs && grep -q "files  model" rs.rows && break
		sleep 0.05
	done &&
	grep -q "files  model" rs.rows &&
	tmux -S "$SOCK" resize-window -t rs -x 40 &&
	# Until the next redraw the line drawn for 150 columns stays.
	for _ in $(seq 200); do
		VISIBLE=" " rows rs && grep "$PROG" rs.rows >rs.prog &&
		test_line_count = 1 rs.prog 2>/dev/null &&
		! grep -q "/2 files" rs.rows && break
		sleep 0.05
	done &&
	VISIBLE=" " watch rs 40 &&
	test_grep ! "files" rs.last &&
	test_grep ! "/2 files" rs.rows &&
	test_grep ! "narrow-pane.safetens\$" rs.rows &&
	tmux -S "$SOCK" kill-session -t rs
'

test_expect_success 'LANG=C.UTF-8: the cut is marked with an ellipsis character' '
	rm -rf "$CACHE" &&
	knobs "{\"rate\": 400000}" &&
	on_tty u8 80 "env LC_ALL=C.UTF-8 $MLXK_BIN pull org/model" &&
	for _ in $(seq 600); do
		tmux -S "$SOCK" capture-pane -p -t u8 >u8.rows &&
		grep -q "files  model" u8.rows && break
		sleep 0.05
	done &&
	LC_ALL=C.UTF-8 grep "files  model-0[^ ]*$(printf "\342\200\246")[^ ]*safetensors\$" u8.rows &&
	tmux -S "$SOCK" kill-session -t u8
'

knobs "{}"
tmux -S "$SOCK" kill-server 2>/dev/null
test_done
