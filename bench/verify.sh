#!/bin/bash
# Time "mlxk health --verify" against single-process "openssl dgst -sha256"
# and "sha256sum" over the same files: a cache of N blobs of SIZE_MB
# random bytes each (default 8 x 128 MB), named by their SHA-256 as
# huggingface_hub names LFS blobs. Every tool runs RUNS times on a warm
# page cache; the best time counts.
#
#   bench/verify.sh [BUILD_DIR]     (default: build; run "make" first)
#   N=8 SIZE_MB=128 RUNS=3 BENCH_DIR=/tmp/x bench/verify.sh
set -eu

BUILD=${1:-build}
MLXK=$(cd "$BUILD" && pwd)/mlxk
N=${N:-8}
SIZE_MB=${SIZE_MB:-128}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mlxk-bench-verify.XXXXXX")}
CACHE="$DIR/hub"
REPO="$CACHE/models--bench--verify"
COMMIT=0123456789abcdef0123456789abcdef01234567

test -x "$MLXK" || { echo "no $MLXK; run make first" >&2; exit 1; }
mkdir -p "$REPO/blobs" "$REPO/snapshots/$COMMIT" "$REPO/refs"
printf %s "$COMMIT" >"$REPO/refs/main"
if test "$(ls "$REPO/blobs" | wc -l)" -ne "$N"; then
	rm -f "$REPO/blobs/"* "$REPO/snapshots/$COMMIT/"*
	for i in $(seq "$N"); do
		tmp="$REPO/blobs/tmp.$i"
		openssl rand -out "$tmp" $((SIZE_MB * 1048576))
		sum=$(sha256sum "$tmp" | cut -d' ' -f1)
		mv "$tmp" "$REPO/blobs/$sum"
		ln -s "../../blobs/$sum" \
			"$REPO/snapshots/$COMMIT/model-$i.safetensors"
	done
fi
FILES=("$REPO"/blobs/*)

# best CMD...: the fastest of RUNS wall-clock times, in seconds.
best() {
	local b= t0 t1 t
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || test $? -eq 1
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		if test -z "$b" || test "$(echo "$t < $b" | bc -l)" = 1; then
			b=$t
		fi
	done
	printf '%.3f' "$b"
}

cat "${FILES[@]}" >/dev/null # warm the page cache
t_mlxk=$(best "$MLXK" --cache-dir "$CACHE" health --verify)
"$MLXK" --cache-dir "$CACHE" health --verify | tail -1 >&2
t_openssl=$(best openssl dgst -sha256 "${FILES[@]}")
t_sha=$(best sha256sum "${FILES[@]}")

cores=$(getconf _NPROCESSORS_ONLN)
mb=$((N * SIZE_MB))
echo "files: $N x $SIZE_MB MiB = $mb MiB, cores: $cores, best of $RUNS," \
	"load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
printf '%-34s %8s s %8.0f MiB/s\n' "mlxk health --verify" "$t_mlxk" \
	"$(echo "$mb / $t_mlxk" | bc -l)"
printf '%-34s %8s s %8.0f MiB/s  (mlxk is %.2fx faster)\n' \
	"openssl dgst -sha256 (1 process)" "$t_openssl" \
	"$(echo "$mb / $t_openssl" | bc -l)" "$(echo "$t_openssl / $t_mlxk" | bc -l)"
printf '%-34s %8s s %8.0f MiB/s  (mlxk is %.2fx faster)\n' \
	"sha256sum (1 process)" "$t_sha" \
	"$(echo "$mb / $t_sha" | bc -l)" "$(echo "$t_sha / $t_mlxk" | bc -l)"
if test -z "${BENCH_DIR:-}"; then
	rm -rf "$DIR"
fi
