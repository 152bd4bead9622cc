#!/usr/bin/env python3
"""json-server.py FIFO-IN FIFO-OUT PID: answer the test library's json and
json_check calls in one process for the whole script, instead of one
Python start per check (tens of milliseconds each on a busy machine).

A request is "MODE\\nFILE\\nEXPR\\0" on FIFO-IN; the answer on FIFO-OUT is
"ok\\nVALUE\\0" or "error\\nMESSAGE\\0". The server holds both ends of both
FIFOs, so that nobody's open() ever blocks, and creates FIFO-IN.ready once
they are open. MODE "value" prints EXPR's value (as is
if a string, else JSON-encoded); the caller compares. The server exits when
process PID (the test script) is gone.
"""
import json
import os
import select
import sys

fifo_in, fifo_out, owner = sys.argv[1], sys.argv[2], int(sys.argv[3])
NAMES = {"len": len, "sorted": sorted, "set": set, "any": any, "all": all}


def answer(req):
    _, path, expr = req.split("\n", 2)
    try:
        with open(path) as f:
            d = json.load(f)
        v = eval(expr, dict(NAMES, d=d))
        return "ok\n" + (v if isinstance(v, str) else json.dumps(v))
    except Exception as e:  # the caller shows it and fails the test
        return "error\n%s: %s" % (type(e).__name__, e)


def alive():
    # A script that has ended is a zombie until prove reaps it.
    try:
        with open("/proc/%d/stat" % owner) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# Read and write end at once: opening never blocks and there is no EOF
# between requests.
fd = os.open(fifo_in, os.O_RDWR)
out_fd = os.open(fifo_out, os.O_RDWR)
open(fifo_in + ".ready", "w").close()
buf = b""
while True:
    if not select.select([fd], [], [], 1.0)[0]:
        if not alive():
            break
        continue
    buf += os.read(fd, 65536)
    while b"\0" in buf:
        req, buf = buf.split(b"\0", 1)
        out = answer(req.decode("utf-8", "surrogateescape"))
        os.write(out_fd, out.encode("utf-8", "surrogateescape") + b"\0")
