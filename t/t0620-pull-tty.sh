#!/bin/bash
# mlxk pull on a real terminal (tmux): the progress display and the
# "Resume download? [Y/n]" prompt.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib/fakehub.sh"

if ! command -v tmux >/dev/null; then
	test_skip_all="tmux is not installed"
fi
printf '{"model_type":"llama"}' | hub_file org/model main config.json
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
	head -c 3000 /dev/urandom | hub_file org/many main "f$i.bin"
done
head -c 1000000 /dev/urandom | hub_file org/model main model.safetensors
fakehub_start
R="$CACHE/models--org--model"
BLOB=$(sha256_of "$HUBROOT/org/model/main/model.safetensors")
SOCK="$TRASH/tmux.sock"

# on_tty NAME CMD: run CMD in a detached tmux session, then "EXIT=<rc>".
on_tty() {
	tmux -S "$SOCK" new-session -d -s "$1" -x 150 -y 20 \
		"env HOME='$HOME' HF_HOME='$HF_HOME' HF_ENDPOINT='$HF_ENDPOINT' \
		 ASAN_OPTIONS='$ASAN_OPTIONS' $2; echo EXIT=\$?; sleep 60"
}

# wait_screen NAME REGEX: until the pane shows REGEX (10 s at most).
wait_screen() {
	for i in $(seq 200); do
		tmux -S "$SOCK" capture-pane -p -t "$1" >screen
		grep -q -- "$2" screen && return 0
		sleep 0.05
	done
	echo "screen never showed '$2':" >&2
	cat screen >&2
	return 1
}

test_expect_success 'a terminal gets a progress line with rate, ETA and files' '
	knobs "{\"slow\": 400000}" &&
	on_tty prog "$MLXK_BIN pull org/model" &&
	wait_screen prog "% .*B/.*B/s  ETA .*/2 files" &&
	wait_screen prog "EXIT=0" &&
	test_grep "^pull: org/model - Downloaded 2 files" screen &&
	tmux -S "$SOCK" kill-session -t prog &&
	knobs "{}"
'

test_expect_success 'the display is redrawn at most ten times a second' '
	command -v script >/dev/null &&
	start=$(date +%s.%N) &&
	script -q -e -c "$MLXK_BIN pull org/many" /dev/null >typescript &&
	end=$(date +%s.%N) &&
	test_path_is_dir "$CACHE/models--org--many" &&
	python3 -c "
import sys
draws = open(\"typescript\", \"rb\").read().count(b\"ETA \")
limit = int(($end - $start) * 10) + 1
print(\"%d draws, at most %d allowed\" % (draws, limit))
sys.exit(0 if 0 < draws <= limit else 1)
"
'

test_expect_success 'a partial download asks "Resume download? [Y/n]"; Enter resumes' '
	rm -rf "$CACHE" && mkdir -p "$R/blobs" &&
	head -c 300000 "$HUBROOT/org/model/main/model.safetensors" >"$R/blobs/$BLOB.incomplete" &&
	hub_log_reset &&
	on_tty yes "$MLXK_BIN pull org/model" &&
	wait_screen yes "Resume download? \[Y/n\]" &&
	tmux -S "$SOCK" send-keys -t yes Enter &&
	wait_screen yes "EXIT=0" &&
	tmux -S "$SOCK" kill-session -t yes &&
	test_path_is_file "$R/blobs/$BLOB" &&
	hub_log "e[\"host\"] == \"127.0.0.2\" and e[\"range\"] == \"bytes=300000-\"" >cdn &&
	test_line_count = 1 cdn
'

test_expect_success 'answering n cancels and leaves the partial file' '
	rm -rf "$CACHE" && mkdir -p "$R/blobs" &&
	head -c 300000 "$HUBROOT/org/model/main/model.safetensors" >"$R/blobs/$BLOB.incomplete" &&
	on_tty no "$MLXK_BIN pull org/model" &&
	wait_screen no "Resume download? \[Y/n\]" &&
	tmux -S "$SOCK" send-keys -t no n Enter &&
	wait_screen no "EXIT=1" &&
	test_grep "cancelled" screen &&
	tmux -S "$SOCK" kill-session -t no &&
	test_path_is_missing "$R/blobs/$BLOB" &&
	test_path_is_file "$R/blobs/$BLOB.incomplete"
'

test_expect_success '-q on a terminal draws nothing' '
	rm -rf "$CACHE" &&
	on_tty quiet "$MLXK_BIN pull -q org/model" &&
	wait_screen quiet "EXIT=0" &&
	grep -v "^$" screen >nonblank &&
	test_grep "^EXIT=0$" nonblank &&
	test_line_count = 1 nonblank &&
	tmux -S "$SOCK" kill-session -t quiet
'

tmux -S "$SOCK" kill-server 2>/dev/null
test_done
