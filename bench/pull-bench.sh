#!/bin/bash
# Benchmark: mlxk pull against curl fetching the same files over loopback.
#
#   bench/pull-bench.sh [NxMB]...      (default: 4x256 1x1024 8x128)
#
# Each case NxMB is a repo of N files of MB MiB. A fake Hub
# (t/lib/fakehub.py) answers the API and redirects every LFS file to nginx,
# which serves a plain directory, as the real Hub redirects to its CDN.
# Then, in one run, for each case:
#   curl -Z (parallel) and curl (one file after the other) fetch the files
#   straight from nginx into files, and mlxk pull (-j 8 and -j 1) downloads
#   them into a fresh cache, hashing every byte and taking the locks.
# Every command runs under /usr/bin/time -v (peak RSS); the rounds take
# turns and the best of REPEAT (default 3) runs is kept.
#
# Then the capped case: one file of CAPPED_MB MiB (default 1024; 0 skips
# it, 64 makes a quick run) from a second nginx server that caps every
# connection at CAP (nginx limit_rate syntax, default 16m = 16 MiB/s), as CDNs do:
# curl (one connection), aria2c -x 8 -s 8 and mlxk pull -j 8, best of
# CAPPED_REPEAT (default 1) runs.
#
# Results go to docs/bench-pull.md (or $OUT). Installs nginx, time and
# aria2 with apt-get if they are missing. Not part of make check.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
CASES=("$@")
test ${#CASES[@]} -gt 0 || CASES=(4x256 1x1024 8x128)
REPEAT=${REPEAT:-3}
CAPPED_MB=${CAPPED_MB:-1024}
CAP=${CAP:-16m}
CAPPED_REPEAT=${CAPPED_REPEAT:-1}
WORK=$TOP/bench/scratch
# Downloads land on tmpfs when there is one, so the disk's noise does not
# drown the comparison (set DL to measure another file system).
if test -z "${DL:-}"; then
	if test -d /dev/shm && test -w /dev/shm; then
		DL=/dev/shm/mlxk-bench-dl
	else
		DL=$WORK/dl
	fi
fi
OUT=${OUT:-$TOP/docs/bench-pull.md}
MLXK=$TOP/build/mlxk

command -v nginx >/dev/null || {
	echo "installing nginx" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends nginx >/dev/null
}
test -x /usr/bin/time || {
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq time >/dev/null
}
command -v aria2c >/dev/null || test "$CAPPED_MB" = 0 || {
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends aria2 >/dev/null
}
make -s >/dev/null

rm -rf "$WORK" "$DL"
mkdir -p "$WORK/hub/org" "$WORK/cdn" "$WORK/nginx"
for c in "${CASES[@]}"; do
	n=${c%x*}
	mb=${c#*x}
	dir="$WORK/hub/org/bench-$c/main"
	mkdir -p "$dir"
	echo "generating $n x $mb MiB" >&2
	for i in $(seq "$n"); do
		f="$dir/model-$i.safetensors"
		head -c $((mb * 1024 * 1024)) /dev/urandom >"$f"
		ln "$f" "$WORK/cdn/$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1)"
	done
	printf '{"model_type":"bench"}' >"$dir/config.json"
done
CAPPED=capped-1x$CAPPED_MB
if test "$CAPPED_MB" != 0; then
	dir="$WORK/hub/org/bench-$CAPPED/main"
	mkdir -p "$dir"
	echo "generating 1 x $CAPPED_MB MiB (capped)" >&2
	head -c $((CAPPED_MB * 1024 * 1024)) /dev/urandom >"$dir/model.safetensors"
	CAPPED_SHA=$(openssl dgst -sha256 -r "$dir/model.safetensors" | cut -d' ' -f1)
	ln "$dir/model.safetensors" "$WORK/cdn/$CAPPED_SHA"
	printf '{"model_type":"bench"}' >"$dir/config.json"
fi

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
NGPORT=$(free_port)
CAPPORT=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	client_body_temp_path $WORK/nginx;
	proxy_temp_path $WORK/nginx;
	fastcgi_temp_path $WORK/nginx;
	uwsgi_temp_path $WORK/nginx;
	scgi_temp_path $WORK/nginx;
	server {
		listen 127.0.0.1:$NGPORT;
		location / { root $WORK/cdn; }
	}
	# The capped CDN: every connection gets at most CAP bytes/s.
	server {
		listen 127.0.0.1:$CAPPORT;
		limit_rate $CAP;
		location / { root $WORK/cdn; }
	}
}
CONF
nginx -c "$WORK/nginx/nginx.conf" &
NGPID=$!
python3 t/lib/fakehub.py --root "$WORK/hub" --log "$WORK/hub.log" \
	--port-file "$WORK/hub.port" --knobs "$WORK/knobs.json" &
HUBPID=$!
trap 'kill $NGPID $HUBPID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK" "$DL"' EXIT
printf '{"cdn_base": "http://127.0.0.1:%s"}' "$NGPORT" >"$WORK/knobs.json"
for _ in $(seq 100); do test -s "$WORK/hub.port" && break; sleep 0.1; done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$WORK/hub.port")"
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_HUB_OFFLINE

# run KEY CMD...: one timed run; keeps the best wall time and its peak RSS.
declare -A SECS RSS
run() {
	local key=$1 s r
	shift
	rm -rf "$DL" && mkdir -p "$DL"
	/usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/err.txt" || {
		cat "$WORK/err.txt" >&2
		exit 1
	}
	s=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); t = 0; for (i = 1; i <= n; i++) t = t * 60 + a[i]; print t }' "$WORK/time.txt")
	r=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
	if test -z "${SECS[$key]:-}" || awk "BEGIN { exit !($s < ${SECS[$key]}) }"; then
		SECS[$key]=$s
		RSS[$key]=$r
	fi
}

NAMES=("curl -Z (parallel)" "curl (sequential)" "mlxk pull -j 8" "mlxk pull -j 1")
for c in "${CASES[@]}"; do
	# Let the fake Hub hash the files once, outside the measurements.
	curl -sS "$HF_ENDPOINT/api/models/org/bench-$c/tree/main?recursive=true" >/dev/null
	args=()
	for f in "$WORK/hub/org/bench-$c/main/"*.safetensors; do
		sha=$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1)
		args+=(-o "$DL/$sha" "http://127.0.0.1:$NGPORT/$sha")
	done
	# Rounds take turns, so a burst of load from elsewhere hits all four.
	for _ in $(seq "$REPEAT"); do
		run "$c ${NAMES[0]}" curl -sS --fail -Z --parallel-max 8 "${args[@]}"
		run "$c ${NAMES[1]}" curl -sS --fail "${args[@]}"
		run "$c ${NAMES[2]}" "$MLXK" --cache-dir "$DL/hub" pull -q -j 8 "org/bench-$c"
		run "$c ${NAMES[3]}" "$MLXK" --cache-dir "$DL/hub" pull -q -j 1 "org/bench-$c"
	done
	for name in "${NAMES[@]}"; do
		echo "$c $name: ${SECS["$c $name"]}s, ${RSS["$c $name"]} KB" >&2
	done
done

CNAMES=("curl (one connection)" "aria2c -x 8 -s 8" "mlxk pull -j 8")
if test "$CAPPED_MB" != 0; then
	c=$CAPPED
	printf '{"cdn_base": "http://127.0.0.1:%s"}' "$CAPPORT" >"$WORK/knobs.json"
	curl -sS "$HF_ENDPOINT/api/models/org/bench-$c/tree/main?recursive=true" >/dev/null
	url="http://127.0.0.1:$CAPPORT/$CAPPED_SHA"
	for _ in $(seq "$CAPPED_REPEAT"); do
		run "$c ${CNAMES[0]}" curl -sS --fail -o "$DL/$CAPPED_SHA" "$url"
		run "$c ${CNAMES[1]}" aria2c -q -x 8 -s 8 --allow-overwrite=true \
			--auto-file-renaming=false -d "$DL" -o "$CAPPED_SHA" "$url"
		run "$c ${CNAMES[2]}" "$MLXK" --cache-dir "$DL/hub" pull -q -j 8 "org/bench-$c"
	done
	for name in "${CNAMES[@]}"; do
		echo "$c $name: ${SECS["$c $name"]}s, ${RSS["$c $name"]} KB" >&2
	done
fi

{
	echo "# mlxk pull benchmark"
	echo
	echo "\`mlxk pull\` against \`curl\` fetching the same files over loopback, in one run."
	echo "$(nginx -v 2>&1 | sed 's/.*nginx\//nginx /') serves the files from a directory; the fake Hub"
	echo "(\`t/lib/fakehub.py\`) answers the API and redirects each file to nginx, as"
	echo "the real Hub redirects to its CDN. Every command writes the files to"
	echo "\`$(df --output=fstype "$TOP" >/dev/null 2>&1 && mkdir -p "$DL" && df --output=fstype "$DL" | tail -1)\` ($DL); mlxk also hashes every byte (SHA-256), takes the"
	echo "cache's locks and links the snapshot. Best of $REPEAT runs each, measured on"
	echo "$(date -u +%Y-%m-%d) ($(nproc) CPUs, $(uname -sr), $(curl --version | head -1 | cut -d' ' -f1-2))."
	for c in "${CASES[@]}"; do
		n=${c%x*}
		mb=${c#*x}
		total=$((n * mb * 1024 * 1024))
		echo
		echo "## $n file(s) of $mb MiB ($(awk "BEGIN { printf \"%.2f\", $total / 1e9 }") GB)"
		echo
		echo "| Command | Time (s) | Throughput (MB/s) | Peak RSS (MB) |"
		echo "|---|---:|---:|---:|"
		for name in "${NAMES[@]}"; do
			k="$c $name"
			echo "| \`$name\` | ${SECS[$k]} | $(awk "BEGIN { printf \"%.0f\", $total / ${SECS[$k]} / 1e6 }") | $(awk "BEGIN { printf \"%.1f\", ${RSS[$k]} / 1024 }") |"
		done
		echo
		echo "Throughput of mlxk relative to curl (goal: at least 0.90):"
		echo "\`-j 8\` / \`curl -Z\`: **$(awk "BEGIN { printf \"%.2f\", ${SECS["$c ${NAMES[0]}"]} / ${SECS["$c ${NAMES[2]}"]} }")**;"
		echo "\`-j 1\` / \`curl\`: **$(awk "BEGIN { printf \"%.2f\", ${SECS["$c ${NAMES[1]}"]} / ${SECS["$c ${NAMES[3]}"]} }")**."
	done
	if test "$CAPPED_MB" != 0; then
		c=$CAPPED
		total=$((CAPPED_MB * 1024 * 1024))
		echo
		echo "## One file of $CAPPED_MB MiB, every connection capped at $CAP (nginx \`limit_rate\`)"
		echo
		echo "A second nginx server caps each connection (\`limit_rate $CAP\`), as"
		echo "CDNs do. \`curl\` has one connection; \`aria2c -x 8 -s 8\` and"
		echo "\`mlxk pull -j 8\` fetch ranges of the file over up to 8. Best of"
		echo "$CAPPED_REPEAT run(s) each."
		echo
		echo "| Command | Time (s) | Throughput (MB/s) | Peak RSS (MB) |"
		echo "|---|---:|---:|---:|"
		for name in "${CNAMES[@]}"; do
			k="$c $name"
			echo "| \`$name\` | ${SECS[$k]} | $(awk "BEGIN { printf \"%.0f\", $total / ${SECS[$k]} / 1e6 }") | $(awk "BEGIN { printf \"%.1f\", ${RSS[$k]} / 1024 }") |"
		done
		echo
		echo "Throughput of mlxk relative to the others (goal: at least 4 and 1.0):"
		echo "\`mlxk pull -j 8\` / \`curl\`: **$(awk "BEGIN { printf \"%.2f\", ${SECS["$c ${CNAMES[0]}"]} / ${SECS["$c ${CNAMES[2]}"]} }")**;"
		echo "\`mlxk pull -j 8\` / \`aria2c -x 8 -s 8\`: **$(awk "BEGIN { printf \"%.2f\", ${SECS["$c ${CNAMES[1]}"]} / ${SECS["$c ${CNAMES[2]}"]} }")**."
	fi
	echo
	echo "## Notes"
	echo
	echo "\`curl\` only copies bytes from the socket to the file. \`mlxk pull\` also"
	echo "hashes every byte (SHA-256 runs at about 1.5 GB/s on one core here)."
	echo "It keeps up because each transfer is a pipeline of three threads: one"
	echo "receives into a ring of buffers, one writes the filled buffers to the"
	echo "file and one hashes them, so receiving, writing and hashing each get"
	echo "a core when there is one. \`curl -Z\` drives all its transfers from one"
	echo "thread; \`mlxk pull -j 8\` runs a pipeline per file."
	echo
	echo "A file of 64 MiB or more (\`--split-above\`) is fetched in ranges"
	echo "(docs/pull.md): it starts with one connection and adds more only"
	echo "while they raise its rate. Over loopback, which one connection"
	echo "fills, it goes back to one; behind the capped server it reaches 8."
	echo "Every range is written in place and a hasher thread follows the"
	echo "contiguous prefix, reading it back from the page cache."
	echo
	echo "## Memory"
	echo
	echo "Peak memory does not grow with the file size. A transfer running alone"
	echo "holds a ring of 8 buffers of 256 KiB; transfers running at once share"
	echo "16 such buffers (4 MiB) between them, at least 2 each, and a small"
	echo "file gets no more than it fills. Each transfer also has libcurl's"
	echo "256 KiB receive buffer."
	echo
	echo "## Reproduce"
	echo
	echo '```sh'
	echo "make && CAPPED_MB=$CAPPED_MB CAP=$CAP bench/pull-bench.sh ${CASES[*]}"
	echo '```'
	echo
	echo "Set \`REPEAT\` (\`CAPPED_REPEAT\` for the capped case) for more runs, \`DL\` to"
	echo "download to another file system, \`CAPPED_MB=64\` for a quick capped run and"
	echo "\`CAPPED_MB=0\` to skip it."
	echo "Loopback numbers on a shared virtual machine are noisy: compare the"
	echo "ratios within one run, not absolute numbers across runs."
} >"$OUT.part"
mv "$OUT.part" "$OUT"
echo >&2
cat "$OUT" >&2
