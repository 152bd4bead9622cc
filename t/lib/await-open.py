#!/usr/bin/env python3
"""await-open.py PATH N ARMED: a readiness signal for "another process is
now polling PATH". Creates ARMED once an inotify watch for IN_OPEN on PATH
is in place, then exits 0 after PATH has been opened N times, or 1 after
30 seconds. A poller such as filelock or mlxk's lock_acquire opens the
lock file on every try, so two opens mean its first try failed and it is
waiting.
"""
import ctypes
import os
import select
import struct
import sys
import time

IN_OPEN = 0x20
path, want, armed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_CLOEXEC)
if fd < 0 or libc.inotify_add_watch(fd, path.encode(), IN_OPEN) < 0:
    sys.exit("await-open: %s: %s" % (path, os.strerror(ctypes.get_errno())))
open(armed, "w").close()
seen = 0
deadline = time.monotonic() + 30
while seen < want:
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([fd], [], [], left)[0]:
        sys.exit("await-open: %s opened %d times, wanted %d" % (path, seen, want))
    buf = os.read(fd, 4096)
    off = 0
    while off < len(buf):
        _, mask, _, size = struct.unpack_from("iIII", buf, off)
        off += 16 + size
        if mask & IN_OPEN:
            seen += 1
