#!/usr/bin/env python3
"""Recreate the rest of HF_HOME on disk, as its writers leave it.

    datasets.py v2 ROOT              datasets 2.x cache (Hub files in downloads/)
    datasets.py v3 ROOT HUB          datasets 3.x (<=3.6): Hub files in the hub
                                     cache HUB, datasets_modules still written
    datasets.py v4 ROOT HUB          datasets 4.x: as v3, no modules
    datasets.py localdir DIR         hf download --local-dir DIR (hub >= 1.18)
    datasets.py xet ROOT [--docs-spelling] [--live-pid PID]
                                     an hf_xet cache
    datasets.py hold [--ready F] [--seed N] LOCK...
                                     take LOCK... exactly as datasets' FileLock
                                     does, write their real paths to F, sleep
    datasets.py lockname [--seed N] LOCK
                                     print the path datasets' FileLock uses

`datasets` itself is not installable here, so its layouts are rebuilt from
its sources (reference: hf-home-protocol.md, A.1-A.3, B, C). Everything
written is backdated by --age seconds (default two days), atime too, so
recency rules do not hide it; a test touches what it wants recent.

ROOT is the datasets cache ($HF_DATASETS_CACHE); modules go to the sibling
ROOT/../modules ($HF_MODULES_CACHE with the default HF_HOME layout).

Names the tests rely on (see NAMES below, printed by `names ROOT`):
downloads use sha256 of fixed URLs, builds the commit ids of fixed words.
"""
import base64
import hashlib
import json
import os
import sys
import time


def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


def sha1(s):
    return hashlib.sha1(s.encode()).hexdigest()


# -- datasets' FileLock (datasets/utils/_filelock.py), on filelock ----------

def datasets_lock_path(path):
    """The path datasets' FileLock really locks for path: names longer than
    the directory's name limit (at most 255) become
    name[:max-len(h)-8] + "..." + h + ".lock" with h = str(hash(name)),
    Python's per-process randomized string hash (datasets#8653)."""
    path = os.path.abspath(os.path.expanduser(path))
    d, name = os.path.split(path)
    limit = min(255, os.statvfs(d).f_namemax)
    if len(name) > limit:
        h = str(hash(name))
        name = name[:limit - len(h) - 8] + "..." + h + ".lock"
    return os.path.join(d, name)


def datasets_filelock(path):
    import filelock
    kw = {}
    ver = tuple(int(x) for x in filelock.__version__.split(".")[:2])
    if ver >= (3, 10):
        # datasets reads the umask with a round-trip and passes the mode.
        umask = os.umask(0o666)
        os.umask(umask)
        kw["mode"] = 0o666 & ~umask
    return filelock.FileLock(datasets_lock_path(path), **kw)


def cmd_hold(args):
    ready = None
    locks = []
    while args:
        a = args.pop(0)
        if a == "--ready":
            ready = args.pop(0)
        elif a == "--seed":
            args.pop(0)  # consumed by reexec below
        else:
            locks.append(a)
    held = []
    for p in locks:
        os.makedirs(os.path.dirname(os.path.abspath(p)), exist_ok=True)
        lk = datasets_filelock(p)
        lk.acquire(timeout=30)
        held.append(lk)
    if ready:
        tmp = ready + ".tmp"
        with open(tmp, "w") as f:
            for lk in held:
                f.write(lk.lock_file + "\n")
        os.rename(tmp, ready)
    time.sleep(600)


def reexec_with_seed(argv):
    """--seed N: run under PYTHONHASHSEED=N, as another process would."""
    if "--seed" in argv and os.environ.get("PYTHONHASHSEED") is None:
        seed = argv[argv.index("--seed") + 1]
        env = dict(os.environ, PYTHONHASHSEED=seed)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


# -- writing helpers --------------------------------------------------------

AGE = 2 * 86400
written = []


def put(path, data=b""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)
    written.append(path)
    return path


def mkdir(path):
    os.makedirs(path, exist_ok=True)
    written.append(path)
    return path


def lockfile(path):
    """An empty lock file as filelock leaves it after a release."""
    return put(path)


def backdate(*roots):
    """Everything written, and every folder below roots (made on the way
    by makedirs too), gets the same old time."""
    t = time.time() - AGE
    paths = set(written)
    for r in roots:
        if r and os.path.isdir(r):
            for d, _, _ in os.walk(r):
                paths.add(d)
    for p in sorted(paths, key=len, reverse=True):
        os.utime(p, (t, t), follow_symlinks=False)


# -- datasets caches --------------------------------------------------------

HUB_DATASETS = ["org/text-ds", "org/img-hub"]
URL_TEXT = "https://huggingface.co/datasets/org/text-ds/resolve/%s/data/train.csv"
URL_ARCHIVE = "https://example.com/images.tar.gz"
URL_GZ = "https://example.com/words.txt.gz"
URL_PARTIAL = "https://example.com/big.bin"
URL_ORPHAN_JSON = "https://example.com/gone.csv"
URL_SCRIPT = "https://huggingface.co/datasets/org/script-ds/resolve/main/script-ds.py"


def commit(word):
    return sha1(word)


def names(root):
    """Every name a test may want, by role."""
    c_text, c_img = commit("text-ds"), commit("img-hub")
    root = os.path.abspath(root)
    dl = os.path.join(root, "downloads")
    n = {
        "root": root,
        "downloads": dl,
        "extracted": os.path.join(dl, "extracted"),
        "commit_text": c_text,
        "commit_img": c_img,
        "dl_text": sha256(URL_TEXT % c_text),
        "dl_archive": sha256(URL_ARCHIVE),
        "dl_gz": sha256(URL_GZ),
        "dl_partial": sha256(URL_PARTIAL),
        "dl_orphan_json": sha256(URL_ORPHAN_JSON),
        "dl_script": sha256(URL_SCRIPT) + ".py",
        # extracted/<sha256(abspath(archive))>
        "ex_archive": sha256(os.path.join(dl, sha256(URL_ARCHIVE))),
        "ex_gz": sha256(os.path.join(dl, sha256(URL_GZ))),
        "build_text": os.path.join(root, "org___text-ds", "default", "0.0.0", c_text),
        "build_img": os.path.join(root, "imagefolder", "default-" + sha1("imgs")[:16],
                                  "0.0.0", sha256("imagefolder-module")),
        "build_crashed": os.path.join(root, "org___crashed-ds", "default", "0.0.0",
                                      commit("crashed-ds")),
        "build_legacy": os.path.join(root, "csv", "user--legacy-" + sha1("legacy")[:16],
                                     "0.0.0", sha256("csv-module")),
        "modules": os.path.join(os.path.dirname(root), "modules"),
    }
    return n


def top_lock(root, build):
    """builder.py: <root>/<cache dir with "/" -> "_">.lock."""
    return os.path.join(root, build.replace("/", "_") + ".lock")


def write_build(root, build, features, files, incomplete_info=True):
    d = mkdir(build)
    info = {"description": "", "citation": "", "features": features,
            "builder_name": os.path.basename(os.path.dirname(os.path.dirname(
                os.path.dirname(build)))), "config_name": "default",
            "version": {"version_str": "0.0.0", "major": 0, "minor": 0, "patch": 0},
            "splits": {"train": {"name": "train", "num_bytes": 64, "num_examples": 2}}}
    put(os.path.join(d, "dataset_info.json"), json.dumps(info, indent=2))
    for name, data in files.items():
        put(os.path.join(d, name), data)
    lockfile(build + "_builder.lock")
    if incomplete_info:
        lockfile(build + ".incomplete_info.lock")
    p = top_lock(root, build)
    lockfile(datasets_lock_path_unhashed(p))


def datasets_lock_path_unhashed(p):
    """Like datasets_lock_path, but with a fixed hash value so that fixtures
    are deterministic (the real one varies per process)."""
    d, name = os.path.split(p)
    limit = min(255, os.statvfs(d).f_namemax)
    if len(name) > limit:
        h = str(-1597334917759117557)
        name = name[:limit - len(h) - 8] + "..." + h + ".lock"
    return os.path.join(d, name)


def download(dl, name, url, data, etag=None):
    put(os.path.join(dl, name), data)
    put(os.path.join(dl, name + ".json"), json.dumps({"url": url, "etag": etag}))
    lockfile(os.path.join(dl, name + ".lock"))


def datasets_cache(root, version, hub=None):
    os.makedirs(root, exist_ok=True)
    n = names(root)
    dl = mkdir(n["downloads"])
    ex = mkdir(n["extracted"])

    # Non-Hub downloads, in every version: an archive and its extraction
    # (a folder), a .gz and its extraction (a file).
    download(dl, n["dl_archive"], URL_ARCHIVE, b"\x1f\x8b" + b"tar" * 100)
    xa = mkdir(os.path.join(ex, n["ex_archive"]))
    put(os.path.join(xa, "images", "cat.png"), b"\x89PNG" + b"c" * 200)
    put(os.path.join(xa, "images", "dog.png"), b"\x89PNG" + b"d" * 200)
    lockfile(os.path.join(ex, n["ex_archive"] + ".lock"))
    download(dl, n["dl_gz"], URL_GZ, b"\x1f\x8b" + b"gz" * 50)
    put(os.path.join(ex, n["ex_gz"]), "alpha\nbeta\n" * 20)
    lockfile(os.path.join(ex, n["ex_gz"] + ".lock"))
    # An interrupted download: .incomplete beside its lock, no file yet.
    put(os.path.join(dl, n["dl_partial"] + ".incomplete"), b"x" * 3000)
    lockfile(os.path.join(dl, n["dl_partial"] + ".lock"))
    # A .json sidecar whose file is gone.
    put(os.path.join(dl, n["dl_orphan_json"] + ".json"),
        json.dumps({"url": URL_ORPHAN_JSON, "etag": None}))
    lockfile(os.path.join(dl, n["dl_orphan_json"] + ".lock"))

    c_text = n["commit_text"]
    if version == 2:
        # 2.x: Hub files land in downloads/ too (the #6614 pile).
        download(dl, n["dl_text"], URL_TEXT % c_text, "text\nhello\nworld\n" * 10)
        download(dl, n["dl_script"], URL_SCRIPT, "import datasets\n")
    else:
        # 3.x+: hf_hub_download without cache_dir -> the hub cache.
        for repo in HUB_DATASETS:
            folder = "datasets--" + repo.replace("/", "--")
            c = commit(repo.split("/")[1])
            data = ("text\nhello\nworld\n" * 10).encode()
            blob = hashlib.sha256(data).hexdigest()
            put(os.path.join(hub, folder, "blobs", blob), data)
            mkdir(os.path.join(hub, folder, "snapshots", c, "data"))
            os.symlink("../../../blobs/" + blob,
                       os.path.join(hub, folder, "snapshots", c, "data", "train.csv"))
            put(os.path.join(hub, folder, "refs", "main"), c)
            lockfile(os.path.join(hub, ".locks", folder, blob + ".lock"))

    # A built Hub dataset (text features), with map() caches.
    write_build(root, n["build_text"],
                {"text": {"dtype": "string", "_type": "Value"}},
                {"text-ds-train.arrow": b"ARROW1" + b"t" * 500,
                 "cache-" + sha1("map")[:16] + ".arrow": b"ARROW1" + b"m" * 100})
    # A leftover tmpXXXXXXXX of a crashed map() in it.
    put(os.path.join(n["build_text"], "tmp8xk2p_q1"), b"ARROW1" + b"p" * 300)
    # An imagefolder build: Image features store paths into extracted/.
    img_paths = [os.path.join(ex, n["ex_archive"], "images", f)
                 for f in ("cat.png", "dog.png")]
    arrow = b"ARROW1" + b"".join(p.encode() + b"\0" for p in img_paths)
    write_build(root, n["build_img"],
                {"image": {"_type": "Image"},
                 "label": {"names": ["cat", "dog"], "_type": "ClassLabel"}},
                {"imagefolder-train.arrow": arrow})
    # A build killed by SIGKILL: <hash>.incomplete/ and its locks.
    inc = mkdir(n["build_crashed"] + ".incomplete")
    put(os.path.join(inc, "crashed-ds-train-00000-of-00002.arrow"), b"ARROW1" + b"k" * 700)
    lockfile(n["build_crashed"] + "_builder.lock")
    lockfile(n["build_crashed"] + ".incomplete_info.lock")
    # A legacy (<= 2.13) template, still probed by builders.
    write_build(root, n["build_legacy"], {"a": {"dtype": "int64", "_type": "Value"}},
                {"csv-train.arrow": b"ARROW1" + b"l" * 50}, incomplete_info=False)
    # Three processes' leaks of one over-long top-level lock (#8653).
    long_build = os.path.join(root, "org___" + "a-very-long-dataset-name" * 6,
                              "default", "0.0.0", commit("long"))
    flat = long_build.replace("/", "_") + ".lock"
    for h in ("-1597334917759117557", "8150421519163447315", "301966514452131717"):
        lockfile(os.path.join(root, flat[:255 - len(h) - 8] + "..." + h + ".lock"))

    if version in (2, 3):
        # datasets_modules (<= 3.6), with the per-script lock of >= 2.19.
        mods = n["modules"]
        put(os.path.join(mods, "__init__.py"))
        dm = os.path.join(mods, "datasets_modules", "datasets")
        put(os.path.join(mods, "datasets_modules", "__init__.py"))
        put(os.path.join(dm, "__init__.py"))
        put(os.path.join(dm, "org--script-ds", sha256("script")[:64], "script-ds.py"),
            "import datasets\n")
        lockfile(os.path.join(dm, "org--script-ds.lock"))
    backdate(root, hub, n["modules"])
    json.dump(n, sys.stdout, indent=1)
    print()


# -- hf download --local-dir ------------------------------------------------

def short_hash(name):
    return base64.urlsafe_b64encode(hashlib.sha1(name.encode()).digest()).decode()


def local_dir(d):
    d = os.path.abspath(d)
    meta = os.path.join(d, ".cache", "huggingface")
    c = commit("local")
    files = {"config.json": b'{"model_type":"llama"}',
             "model.safetensors": b"S" * 4096,
             "sub/tokenizer.json": b'{"version":"1.0"}'}
    for path, data in files.items():
        put(os.path.join(d, path), data)
        put(os.path.join(meta, "download", path + ".metadata"),
            "%s\n%s\n%.3f\n" % (c, sha256(path), time.time() - AGE))
        lockfile(os.path.join(meta, "download", path + ".lock"))
    put(os.path.join(meta, ".gitignore"), "*")
    put(os.path.join(meta, "CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n")
    put(os.path.join(meta, "trees", c + ".json"), "[]")
    # A file deleted by the user: its metadata and lock stay.
    put(os.path.join(meta, "download", "gone.bin.metadata"), "%s\netag\n1.0\n" % c)
    lockfile(os.path.join(meta, "download", "gone.bin.lock"))
    # Interrupted downloads: the 0.28-1.17 name and the 1.18+ name.
    etag = sha256("model.safetensors")
    put(os.path.join(meta, "download",
                     short_hash("model.safetensors.metadata") + "." + etag + ".incomplete"),
        b"S" * 1000)
    put(os.path.join(meta, "download", "sub",
                     short_hash("tokenizer.json.metadata") + "." + sha256("x") + ".1a2b3c4d.incomplete"),
        b"T" * 10)
    # A umask probe left by a crash.
    put(os.path.join(meta, "download", "tmp_" + "3f2b6c1e-8a4d-4f0e-9b7a-2c5d8e1f0a6b"), b"")
    # upload_large_folder resume state: never pruned.
    put(os.path.join(d, "big.bin"), b"B" * 100)
    put(os.path.join(meta, "upload", "big.bin.metadata"), "1.0\n\nsha\n\nFalse\nFalse\n")
    lockfile(os.path.join(meta, "upload", "big.bin.lock"))
    # A .gitignore.lock left by a crash (hub unlinks it after use).
    lockfile(os.path.join(meta, ".gitignore.lock"))
    backdate(d)
    print(d)


# -- Xet --------------------------------------------------------------------

def xet(root, docs_spelling=False, live_pid=None):
    root = os.path.abspath(root)
    ep = os.path.join(root, "https___cas_serv-tGqkUaZf_CBPHQ6h")
    shard = "shard_cache" if docs_spelling else "shard-cache"
    chunk = "chunk_cache" if docs_spelling else "chunk-cache"
    xorb = "xorb-metadata" if docs_spelling else "xorb_metadata"
    put(os.path.join(ep, shard, sha256("s1") + ".mdb"), b"M" * 8192)
    put(os.path.join(ep, shard, sha256("s2") + ".mdb"), b"M" * 4096)
    put(os.path.join(ep, shard, ".4c1f0a6e-2b7d-4e3a-9f8c-1d2e3f4a5b6c.mdb_temp"), b"M" * 100)
    put(os.path.join(ep, chunk, "ab", "Zm9vYmFy", "0-65536"), b"C" * 16384)
    put(os.path.join(ep, chunk, "cd", "YmF6cXV4", "0-4096"), b"C" * 4096)
    put(os.path.join(ep, "staging", "shard-session", xorb, sha256("x1") + ".mdb"), b"X" * 2048)
    mkdir(os.path.join(ep, "staging", "shard-session", ".tmpA1b2C3"))
    # Logs: one of a process that is gone, one of a reused pid (pid 1,
    # started long after 2001), and optionally one of a live process.
    dead = 4194304 - 7
    while os.path.exists("/proc/%d" % dead):
        dead -= 1
    put(os.path.join(root, "logs", "xet_20261101T101500123+0000_%d.log" % dead), "old\n" * 50)
    put(os.path.join(root, "logs", "xet_20010101T000000000+0000_1.log"), "reused\n")
    if live_pid:
        stamp = time.strftime("%Y%m%dT%H%M%S000+0000", time.gmtime(time.time() + 60))
        put(os.path.join(root, "logs", "xet_%s_%s.log" % (stamp, live_pid)), "live\n")
    backdate(root)
    print(root)


def main(argv):
    global AGE
    reexec_with_seed(argv)
    if "--age" in argv:
        i = argv.index("--age")
        AGE = int(argv[i + 1])
        del argv[i:i + 2]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "hold":
        cmd_hold(args)
    elif cmd == "lockname":
        print(datasets_lock_path([a for a in args if not a.startswith("--")][-1]))
    elif cmd in ("v2", "v3", "v4"):
        datasets_cache(os.path.abspath(args[0]), int(cmd[1]),
                       os.path.abspath(args[1]) if len(args) > 1 else None)
    elif cmd == "names":
        json.dump(names(os.path.abspath(args[0])), sys.stdout, indent=1)
        print()
    elif cmd == "localdir":
        local_dir(args[0])
    elif cmd == "xet":
        live = args[args.index("--live-pid") + 1] if "--live-pid" in args else None
        xet(args[0], "--docs-spelling" in args, live)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
