#!/bin/sh
# Benchmark: `mlxk list --json` on a 1,000-model cache against the
# walk-and-stat floor `find -L CACHE -type f -printf '%s\n'`, in one run.
#
#   bench/list.sh [MODELS]        (default 1000)
#
# Needs hyperfine (apt-get install hyperfine) and GNU time for peak memory.
set -e
cd "$(dirname "$0")/.."
N=${1:-1000}
WORK=bench/scratch/list
make -s
MLXK="$PWD/build/mlxk"
if [ ! -d "$WORK/hub-$N" ]; then
	rm -rf "$WORK"
	mkdir -p "$WORK"
	python3 bench/gen-cache.py "$WORK/hub-$N" --models "$N"
fi
CACHE="$PWD/$WORK/hub-$N"
echo "cache: $N models, $(find "$CACHE" -type f | wc -l) files," \
	"$(find "$CACHE" -type l | wc -l) links," \
	"$(find "$CACHE/.locks" -name '*.lock' | wc -l) lock files"
# Sanity: every model is listed.
count=$("$MLXK" --cache-dir "$CACHE" list --json | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["data"]["count"])')
echo "mlxk list --json reports $count models"
test "$count" -eq "$N"

hyperfine -N --warmup 3 --runs 20 --export-json "$WORK/list.json" \
	-n "find -L" "find -L $CACHE -type f -printf %s\\n" \
	-n "mlxk list --json" "$MLXK --cache-dir $CACHE list --json"
hyperfine -N --warmup 10 --runs 200 --export-json "$WORK/version.json" \
	-n "mlxk --version" "$MLXK --version"

python3 - "$WORK/list.json" "$WORK/version.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
v = json.load(open(sys.argv[2]))["results"][0]
f, m = r["find -L"]["mean"], r["mlxk list --json"]["mean"]
print("find -L floor:      %.1f ms" % (f * 1000))
print("mlxk list --json:   %.1f ms" % (m * 1000))
print("ratio mlxk/find:    %.2f (goal <= 1.0)" % (m / f))
print("vs MLX-Knife 2.0 reference 2.5 s: %.0fx faster (goal >= 25x)" % (2.5 / m))
print("mlxk --version:     %.2f ms (goal < 5 ms)" % (v["mean"] * 1000))
PY
/usr/bin/time -f "peak RSS mlxk list --json: %M KB (goal < 20 MB)" \
	"$MLXK" --cache-dir "$CACHE" list --json >/dev/null
/usr/bin/time -f "peak RSS find -L: %M KB" \
	find -L "$CACHE" -type f -printf '%s\n' >/dev/null
