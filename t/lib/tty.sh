# Running mlxk on a real terminal: a detached tmux session per command,
# read back with capture-pane and answered with send-keys.

if ! command -v tmux >/dev/null 2>&1; then
	test_skip_all="tmux not installed"
fi

TTY_SOCK=

# tty_run [-w WIDTH] ARGS...: run "mlxk ARGS" in a detached WIDTHx40
# terminal (default 120 columns), then print EXIT=<status> and wait. Each
# run gets a fresh server on a new socket, so a server that is still
# shutting down never meets the next one. The lock grace period is cut to
# 50 ms to keep prompt tests quick.
tty_run() {
	local width=120
	if test "$1" = "-w"; then
		width=$2
		shift 2
	fi
	tty_finish
	TTY_SOCK="$TRASH/tmux.$(date +%s%N).sock"
	tmux -S "$TTY_SOCK" new-session -d -x "$width" -y 40 \
		"env HF_HOME='$HF_HOME' HOME='$HOME' MLXK_LOCK_GRACE_MS=50 ASAN_OPTIONS='$ASAN_OPTIONS' '$MLXK_BIN' $*; echo EXIT=\$?; sleep 60"
}

# tty_wait PATTERN: poll the screen (into ./screen) until PATTERN shows up;
# fail after 30 s, showing what was there.
tty_wait() {
	for _ in $(seq 600); do
		tmux -S "$TTY_SOCK" capture-pane -p -J >screen 2>/dev/null
		grep -q "$1" screen && return 0
		sleep 0.05
	done
	cat screen
	return 1
}

# tty_keys KEYS...: type on the terminal (tmux send-keys syntax).
tty_keys() {
	tmux -S "$TTY_SOCK" send-keys "$@"
}

tty_finish() {
	test -n "$TTY_SOCK" && tmux -S "$TTY_SOCK" kill-server 2>/dev/null
	return 0
}
