# Helpers for tests of the rest of HF_HOME: datasets caches, --local-dir
# folders, the Xet cache (built by t/lib/datasets.py), and lock holders that
# take locks exactly as datasets' FileLock does, through Debian's
# python3-filelock. Source after test-lib.sh.

DSPY=/usr/bin/python3
DSLIB="$TEST_DIRECTORY/lib/datasets.py"
export HF_DATASETS_CACHE="$HF_HOME/datasets"
DS="$HF_DATASETS_CACHE"

if ! $DSPY -c 'import filelock' 2>/dev/null; then
	test_skip_all="python3-filelock not installed"
fi

# make_datasets v2|v3|v4 [ROOT]: a datasets cache of that major version in
# ROOT (default $DS); 3.x/4.x put Hub files in $CACHE. Writes the names of
# its parts as JSON to ds-names.json (read them with ds_name).
make_datasets() {
	$DSPY "$DSLIB" "$1" "${2:-$DS}" "$CACHE" >ds-names.json
}

# ds_name KEY: one name from ds-names.json (see names() in datasets.py).
ds_name() {
	json ds-names.json "d[\"$1\"]"
}

# make_local_dir DIR: an `hf download --local-dir DIR` folder.
make_local_dir() {
	$DSPY "$DSLIB" localdir "$1" >/dev/null
}

# make_xet ROOT [--docs-spelling] [--live-pid PID]: an hf_xet cache.
make_xet() {
	$DSPY "$DSLIB" xet "$@" >/dev/null
}

# hold_ds_lock LOCK...: hold LOCK... from another process with datasets'
# FileLock (python3-filelock, long names hashed per process) until
# kill_tree "$HOLDER"; returns once every lock is held. The paths really
# locked are in ds-held, one a line.
hold_ds_lock() {
	rm -f ds-held
	$DSPY "$DSLIB" hold --ready ds-held "$@" &
	HOLDER=$!
	test_wait_for_file ds-held
}
