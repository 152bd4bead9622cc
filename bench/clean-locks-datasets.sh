#!/bin/bash
# Benchmark: mlxk clean-locks --datasets against a plain find -delete on a
# datasets cache with 1,000,000 stale lock files plus their data files
# (bench/gen-datasets.py), and mlxk's peak memory.
#
#   bench/clean-locks-datasets.sh [LOCKS]
#
# Environment: MLXK (binary, default build/mlxk), MLXK_LOCK_GRACE_MS (grace
# period, default 2000), BENCH_DIR (default bench/scratch), KEEP=1 keeps the
# generated cache for the next run (generating a million files is slow; each
# run copies it with cp -a, so both tools start from identical copies).
set -e
cd "$(dirname "$0")/.."
LOCKS=${1:-1000000}
MLXK=${MLXK:-$PWD/build/mlxk}
GRACE=${MLXK_LOCK_GRACE_MS:-2000}
WORK=${BENCH_DIR:-$PWD/bench/scratch}/clean-locks-datasets
GEN=$WORK/gen-$LOCKS

test -x "$MLXK" || { echo "build mlxk first (make)" >&2; exit 1; }
test -x /usr/bin/time || { echo "needs GNU time (scripts/install-deps test)" >&2; exit 1; }
rm -rf "$WORK/find" "$WORK/mlxk"
mkdir -p "$WORK"
if ! test -d "$GEN"; then
	echo "generating a datasets cache with $LOCKS lock files (once)"
	python3 bench/gen-datasets.py "$GEN.tmp" --locks "$LOCKS"
	mv "$GEN.tmp" "$GEN"
fi
echo "copying it twice with cp -a"
cp -a "$GEN" "$WORK/find"
cp -a "$GEN" "$WORK/mlxk"
sync

python3 - "$WORK" "$MLXK" "$GRACE" "$LOCKS" <<'PY'
import os, re, subprocess, sys, time
work, mlxk, grace, locks = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def run(argv, cwd, env=None):
    t0 = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-v"] + argv, cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, check=True)
    t1 = time.monotonic()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", r.stderr))
    return t1 - t0, cpu, rss, r.stdout

def left(d):
    n = 0
    for _, _, fs in os.walk(os.path.join(work, d)):
        n += sum(1 for f in fs if f.endswith(".lock"))
    return n

env = dict(os.environ, MLXK_LOCK_GRACE_MS=str(grace))
fw, fc, frss, _ = run(["find", ".", "-name", "*.lock", "-delete"], os.path.join(work, "find"))
mw, mc, mrss, out = run([mlxk, "--datasets-dir", os.path.join(work, "mlxk"), "clean-locks",
                         "--datasets", "--force"], work, env)
g = grace / 1000
print("lock files:        %s (left: find %d, mlxk %d)" % (locks, left("find"), left("mlxk")))
print("find -delete:      %.3f s wall, %.3f s cpu, %.1f MB peak" % (fw, fc, frss / 1024))
print("mlxk clean-locks:  %.3f s wall, %.3f s cpu, %.1f MB peak (grace period %.3f s)"
      % (mw, mc, mrss / 1024, g))
print("ratio (wall):      %.2fx find; %.2fx without the grace period" % (mw / fw, max(mw - g, 0) / fw))
print("goal (3x find + one grace = %.3f s): %s" % (3 * fw + g, "met" if mw <= 3 * fw + g else "missed"))
print("goal (peak RSS < 50 MB): %s" % ("met" if mrss < 50 * 1024 else "missed"))
print("mlxk said: " + out.strip().splitlines()[0] if out.strip() else "mlxk said nothing")
PY
rm -rf "$WORK/find" "$WORK/mlxk"
test "$KEEP" = 1 || rm -rf "$GEN"
