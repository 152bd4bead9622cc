#!/bin/bash
# Benchmark: mlxk clean-locks against a plain find -delete on 100,000
# stale lock files in 1,000 folders.
#
#   bench/clean-locks.sh [FILES] [FOLDERS]
#
# Environment: MLXK (binary, default build/mlxk), MLXK_LOCK_GRACE_MS
# (grace period, default 2000), BENCH_DIR (default bench/scratch).
# find deletes blindly; mlxk runs the safe recipe on every file (flock,
# identity check, unlink while holding, one grace period per run).
set -e
cd "$(dirname "$0")/.."
FILES=${1:-100000}
FOLDERS=${2:-1000}
MLXK=${MLXK:-$PWD/build/mlxk}
GRACE=${MLXK_LOCK_GRACE_MS:-2000}
WORK=${BENCH_DIR:-$PWD/bench/scratch}/clean-locks

test -x "$MLXK" || { echo "build mlxk first (make)" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK/gen/.locks"

echo "generating $FILES empty lock files in $FOLDERS folders, backdated 1 day"
python3 - "$WORK/gen/.locks" "$FILES" "$FOLDERS" <<'PY'
import os, sys, time, hashlib
root, files, folders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
old = time.time() - 86400
per = -(-files // folders)
n = 0
for f in range(folders):
    d = os.path.join(root, "models--mlx-community--bench-%04d" % f)
    os.mkdir(d)
    for i in range(per):
        if n == files:
            break
        name = hashlib.sha256(b"%d" % n).hexdigest() + ".lock"
        p = os.path.join(d, name)
        os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o664))
        os.utime(p, (old, old))
        n += 1
PY
cp -a "$WORK/gen" "$WORK/find"
cp -a "$WORK/gen" "$WORK/mlxk"
sync

# Time both in one Python process: wall clock and CPU (user + system,
# children included, so mlxk's grace-period helpers count too).
python3 - "$WORK" "$MLXK" "$GRACE" "$FILES" <<'PY'
import os, resource, subprocess, sys, time
work, mlxk, grace, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def run(argv, cwd, env=None):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(argv, cwd=cwd, env=env, check=True,
                   stdout=open(os.path.join(work, "mlxk.out"), "a"))
    t1 = time.monotonic()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return t1 - t0, cpu

env = dict(os.environ, MLXK_LOCK_GRACE_MS=str(grace))
fw, fc = run(["find", ".locks", "-name", "*.lock", "-delete"],
             os.path.join(work, "find"))
mw, mc = run([mlxk, "--cache-dir", os.path.join(work, "mlxk"), "clean-locks",
              "--all", "--force", "--older-than", "0"], work, env)
left = lambda d: sum(len([f for f in fs if f.endswith(".lock")])
                     for _, _, fs in os.walk(os.path.join(work, d, ".locks")))
g = grace / 1000
print("files:             %s (left: find %d, mlxk %d)" % (files, left("find"), left("mlxk")))
print("find -delete:      %.3f s wall, %.3f s cpu" % (fw, fc))
print("mlxk clean-locks:  %.3f s wall, %.3f s cpu (grace period %.3f s)" % (mw, mc, g))
print("ratio (wall):      %.2fx find; %.2fx without the grace period"
      % (mw / fw, max(mw - g, 0) / fw))
print("ratio (cpu):       %.2fx find" % (mc / fc))
print("goal (3x find + one grace = %.3f s): %s"
      % (3 * fw + g, "met" if mw <= 3 * fw + g else "missed"))
PY
echo "mlxk said: $(tail -1 "$WORK/mlxk.out")"
rm -rf "$WORK"
