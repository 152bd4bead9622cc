#!/usr/bin/env python3
"""Generate a datasets cache with many lock files, for benchmarks.

    bench/gen-datasets.py DIR [--locks N]

Writes the shape of a datasets 2.x cache that has been used for a long time
(datasets#6614, #8653), N lock files in all (default 1,000,000), every file
backdated by two days:
  30 %  downloads/<sha256(url)> + .json + .lock   (one flat folder)
   5 %  downloads/extracted/<sha256> + .lock      (gz extractions: files)
   1 %  <org>___<name>/default/0.0.0/<sha1>/ built datasets, each with
        <hash>_builder.lock and <hash>.incomplete_info.lock (half each)
  64 %  top-level 255-character `_<flattened path>...<hash>.lock` names,
        one leaked per process that ever loaded the dataset (#8653)
Data files are small (64 bytes; dataset_info.json a few hundred): the
benchmark is about lock files and directory walks, not bandwidth.
"""
import hashlib
import json
import os
import sys
import time


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    locks = 1000000
    if "--locks" in sys.argv:
        locks = int(sys.argv[sys.argv.index("--locks") + 1])
    old = time.time() - 2 * 86400
    flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL

    def put(path, data=b""):
        fd = os.open(path, flags, 0o644)
        if data:
            os.write(fd, data)
        os.close(fd)
        os.utime(path, (old, old))

    n_dl = locks * 30 // 100
    n_ex = locks * 5 // 100
    n_builds = locks // 100 // 2
    n_long = locks - n_dl - n_ex - 2 * n_builds
    dl = os.path.join(root, "downloads")
    ex = os.path.join(dl, "extracted")
    os.makedirs(ex)
    payload = b"d" * 64
    for i in range(n_dl):
        url = "https://huggingface.co/datasets/org/ds%d/resolve/main/data/%d.parquet" % (i // 100, i)
        f = os.path.join(dl, hashlib.sha256(url.encode()).hexdigest())
        put(f, payload)
        put(f + ".json", json.dumps({"url": url, "etag": None}).encode())
        put(f + ".lock")
    for i in range(n_ex):
        x = os.path.join(ex, hashlib.sha256(b"ex%d" % i).hexdigest())
        put(x, payload)
        put(x + ".lock")
    info = json.dumps({"features": {"text": {"dtype": "string", "_type": "Value"}},
                       "splits": {"train": {"num_examples": 1}}}).encode()
    for i in range(n_builds):
        v = os.path.join(root, "org___ds%d" % (i // 4), "default", "0.0.0")
        h = hashlib.sha1(b"b%d" % i).hexdigest()
        os.makedirs(os.path.join(v, h))
        put(os.path.join(v, h, "dataset_info.json"), info)
        put(os.path.join(v, h, "ds-train.arrow"), payload)
        put(os.path.join(v, h + "_builder.lock"))
        put(os.path.join(v, h + ".incomplete_info.lock"))
    # The over-long top-level lock of a few datasets, leaked once per
    # process: name[:255-len(h)-8] + "..." + h + ".lock", h = str(hash()).
    flat = "_" + (root + "/org___a-dataset-with-a-long-name/some-config-name/1.0.0/" +
                  "0123456789abcdef" * 4).replace("/", "_") + "_" * 200
    for i in range(n_long):
        h = str(int.from_bytes(hashlib.sha256(b"%d" % i).digest()[:8], "little", signed=True))
        name = flat[:255 - len(h) - 8] + "..." + h + ".lock"
        put(os.path.join(root, name))
    for d, _, _ in os.walk(root, topdown=False):
        os.utime(d, (old, old))
    print("%s: %d lock files (%d downloads, %d extracted, %d builds, %d leaked long names)"
          % (root, locks, n_dl, n_ex, n_builds, n_long))
    return 0


if __name__ == "__main__":
    sys.exit(main())
