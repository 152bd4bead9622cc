#!/bin/bash
# Health states in colour on a terminal (tmux): healthy green, unhealthy
# red, a warning state (list's healthy*) yellow; never with NO_COLOR, a
# dumb terminal, on a pipe or in JSON.
. "$(dirname "$0")/test-lib.sh"

if ! command -v tmux >/dev/null; then
	test_skip_all="tmux is not installed"
fi
SOCK="$TRASH/tmux.sock"
ESC=$(printf '\033')

# on_tty NAME CMD: run CMD in a detached 150-column tmux pane, then
# "EXIT=<rc>"; the screen with its colours goes to NAME.screen (tmux
# moves a reset at the end of a line to the start of the next one).
on_tty() {
	tmux -S "$SOCK" new-session -d -s "$1" -x 150 -y 30 \
		"env -u NO_COLOR HOME='$HOME' HF_HOME='$HF_HOME' ASAN_OPTIONS='$ASAN_OPTIONS' $2; echo EXIT=\$?; sleep 60" &&
	for _ in $(seq 200); do
		tmux -S "$SOCK" capture-pane -e -p -t "$1" >"$1.screen"
		grep -q "EXIT=" "$1.screen" && break
		sleep 0.05
	done &&
	tmux -S "$SOCK" kill-session -t "$1" &&
	grep -q "EXIT=" "$1.screen"
}

# no_escapes FILE: no escape sequence at all in FILE.
no_escapes() {
	if grep -n "$ESC" "$1"; then
		echo "error: escape sequences in $1" >&2
		return 1
	fi
}

test_expect_success 'setup: a healthy, an unhealthy and a not runnable model' '
	make_model org/good &&
	make_model org/bad &&
	rm "$(repo_dir org/bad)/snapshots/$(commit_for org/bad)/config.json" &&
	make_model org/pt "" pytorch
'

test_expect_success 'health on a terminal: green healthy, red unhealthy' '
	on_tty h "$MLXK_BIN health" &&
	test_grep "EXIT=1" h.screen &&
	test_grep "^$ESC\[32mhealthy$ESC\[[0-9;]*m  *org/good" h.screen &&
	test_grep "^$ESC\[31munhealthy$ESC\[[0-9;]*m org/bad" h.screen
'

test_expect_success 'list --health on a terminal: the Health column, healthy* yellow' '
	on_tty l "$MLXK_BIN list --all --health" &&
	test_grep "EXIT=0" l.screen &&
	test_grep "org/good .*| $ESC\[32mhealthy\$" l.screen &&
	test_grep "org/bad .*| $ESC\[31munhealthy\$" l.screen &&
	test_grep "org/pt .*| $ESC\[33mhealthy\*\$" l.screen &&
	! grep "Name.*$ESC" l.screen
'

test_expect_success 'NO_COLOR=1 or TERM=dumb on a terminal: no colour' '
	on_tty n "env NO_COLOR=1 $MLXK_BIN health" &&
	test_grep "^unhealthy org/bad" n.screen &&
	no_escapes n.screen &&
	on_tty d "env TERM=dumb $MLXK_BIN list --all --health" &&
	test_grep "^org/bad .*| unhealthy" d.screen &&
	no_escapes d.screen
'

test_expect_success 'an empty NO_COLOR does not turn colour off' '
	on_tty e "env NO_COLOR= $MLXK_BIN health" &&
	test_grep "^$ESC\[31munhealthy" e.screen
'

test_expect_success 'JSON on a terminal: no colour' '
	on_tty j "$MLXK_BIN --json health" &&
	test_grep "\"unhealthy\"" j.screen &&
	no_escapes j.screen
'

test_expect_success 'on a pipe: no colour, whatever TERM says' '
	test_expect_code 1 env -u NO_COLOR TERM=xterm-256color "$MLXK_BIN" health >out &&
	test_grep "^unhealthy org/bad" out &&
	no_escapes out &&
	env -u NO_COLOR TERM=xterm-256color "$MLXK_BIN" list --all --health >out &&
	no_escapes out
'

tmux -S "$SOCK" kill-server 2>/dev/null
test_done
