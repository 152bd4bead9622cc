#!/bin/bash
# Benchmark: mlxk clean-locks against a plain find -delete on 100,000
# stale lock files in 1,000 folders.
#
#   bench/clean-locks.sh [FILES] [FOLDERS]
#
# Environment: MLXK (binary, default build/mlxk), MLXK_LOCK_GRACE_MS
# (grace period, default 2000), BENCH_DIR (default bench/work).
# find deletes blindly; mlxk runs the safe recipe on every file (flock,
# identity check, unlink while holding, one grace period per run).
set -e
cd "$(dirname "$0")/.."
FILES=${1:-100000}
FOLDERS=${2:-1000}
MLXK=${MLXK:-$PWD/build/mlxk}
GRACE=${MLXK_LOCK_GRACE_MS:-2000}
WORK=${BENCH_DIR:-$PWD/bench/work}/clean-locks

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

now() { date +%s.%N; }

t0=$(now)
(cd "$WORK/find" && find .locks -name '*.lock' -delete)
t1=$(now)
MLXK_LOCK_GRACE_MS=$GRACE "$MLXK" --cache-dir "$WORK/mlxk" clean-locks \
	--all --force --older-than 0 >"$WORK/mlxk.out"
t2=$(now)

left_find=$(find "$WORK/find/.locks" -name '*.lock' | wc -l)
left_mlxk=$(find "$WORK/mlxk/.locks" -name '*.lock' | wc -l)
python3 - "$t0" "$t1" "$t2" "$GRACE" "$FILES" "$left_find" "$left_mlxk" <<'PY'
import sys
t0, t1, t2, grace = (float(x) for x in sys.argv[1:5])
files, lf, lm = sys.argv[5], sys.argv[6], sys.argv[7]
find, mlxk, g = t1 - t0, t2 - t1, grace / 1000
print("files:             %s (left: find %s, mlxk %s)" % (files, lf, lm))
print("find -delete:      %.3f s" % find)
print("mlxk clean-locks:  %.3f s (grace period %.3f s)" % (mlxk, g))
print("ratio:             %.2fx find; %.2fx without the grace period"
      % (mlxk / find, max(mlxk - g, 0) / find))
print("goal (3x find + one grace = %.3f s): %s"
      % (3 * find + g, "met" if mlxk <= 3 * find + g else "missed"))
PY
echo "mlxk said: $(tail -1 "$WORK/mlxk.out")"
rm -rf "$WORK"
