#!/usr/bin/python3
"""Count under cache locks the way HuggingFace's Python tools take them.

Usage: lockclient.py --style hf|datasets --lock LOCK --counter FILE
                     --seconds S --out RESULT.json [--lock L --counter F]...

Uses Debian's python3-filelock (3.9) with the lock-file handling of the
clients that share a hub cache:
  hf        huggingface_hub >= 1.4: FileLock(mode=0o664) -- created 0664,
            fchmod'ed to 0664 by its owner on every attempt (filelock
            3.10-3.29); the parent folder is made first (os.makedirs).
  datasets  datasets: mode = 0o666 & ~umask (0644 under umask 022),
            fchmod'ed the same way (datasets#7900).
Both open the lock O_RDWR: a lock file this user cannot write raises
PermissionError, as in huggingface_hub#2580.

Each round picks a pair, takes its lock (blocking, polling as filelock
does), reads the counter, yields, writes it back plus one, releases.
A lost increment means two holders at once. The result file counts the
increments done per counter and every error by kind.
"""
import argparse
import errno
import json
import os
import random
import time

import filelock
from filelock import UnixFileLock


def umask():
    m = os.umask(0)
    os.umask(m)
    return m


class ModeLock(UnixFileLock):
    """filelock 3.9's UnixFileLock with the mode handling of 3.10-3.29."""

    def __init__(self, path, mode):
        super().__init__(path)
        self.mode = mode

    def _acquire(self):
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        fd = os.open(self._lock_file, flags, self.mode)
        try:
            os.fchmod(fd, self.mode)
        except PermissionError:
            pass  # not the owner: filelock ignores it
        try:
            import fcntl
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
        else:
            self._lock_file_fd = fd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--style", choices=("hf", "datasets"), required=True)
    ap.add_argument("--lock", action="append", required=True)
    ap.add_argument("--counter", action="append", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    mode = 0o664 if a.style == "hf" else 0o666 & ~umask()
    res = {"style": a.style, "mode": "%04o" % mode, "uid": os.getuid(),
           "filelock": filelock.__version__, "increments": {},
           "errors": {}, "examples": []}

    def error(kind, e):
        res["errors"][kind] = res["errors"].get(kind, 0) + 1
        if len(res["examples"]) < 5:
            res["examples"].append("%s: %s" % (kind, e))

    end = time.time() + a.seconds
    pairs = list(zip(a.lock, a.counter))
    while time.time() < end:
        lock_path, counter = random.choice(pairs)
        try:
            os.makedirs(os.path.dirname(lock_path), exist_ok=True)
            lock = ModeLock(lock_path, mode)
            with lock.acquire(timeout=30):
                with open(counter, "r+") as f:
                    n = int(f.read() or "0")
                    time.sleep(random.uniform(0, 0.005))
                    f.seek(0)
                    f.write("%d\n" % (n + 1))
                    f.truncate()
                res["increments"][counter] = (
                    res["increments"].get(counter, 0) + 1)
        except PermissionError as e:
            error("PermissionError", e)
            time.sleep(0.05)
        except FileNotFoundError as e:
            # the lock folder went (rm, prune) between makedirs and open
            error("FileNotFoundError", e)
        except filelock.Timeout as e:
            error("Timeout", e)
        except OSError as e:
            error(errno.errorcode.get(e.errno, "OSError"), e)
            time.sleep(0.05)
        time.sleep(random.uniform(0, 0.03))
    with open(a.out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
