#!/usr/bin/env python3
"""A fake HuggingFace Hub for mlxk's tests (stdlib only).

Repos live in a directory: ROOT/<org>/<name>/<revision>/<files...>. Each
revision directory is a branch or tag; its commit is
sha1("<org>/<name>@<revision>"). Files of at least --lfs-threshold bytes are
LFS files: the resolve URL answers 302 to a "CDN" on a second loopback
address (127.0.0.2, same port), which serves them by sha256.

A repo with a file ".token" is private: requests without
"Authorization: Bearer <content>" get 401 (RepoNotFound, or GatedRepo when
".gated" exists too).

Faults come from a JSON knobs file, re-read on every request:
  api_5xx N          first N API requests answer 500
  dl_5xx N           first N download requests answer 503
  dl_429 N           first N download requests answer 429 (Retry-After)
  retry_after S      Retry-After value for dl_429 (default 1)
  drop_after N       close the connection after N body bytes ...
  drop_times K       ... for the first K download bodies (default 1)
  truncate_at N      never send a byte at or past file offset N
  flip_byte true     flip the first byte of every LFS/CDN body
  flip_at N          flip the byte at file offset N of every LFS/CDN body
  size_delta D       the tree and X-Linked-Size lie by D bytes
  slow BPS           send bodies at about BPS bytes per second, writing
                     the file offset reached to <log>.pos after each chunk

  rate BPS           cap every connection at BPS bytes per second (a CDN's
                     per-connection limit; paced over each body)
  total_rate BPS     cap all bodies together at BPS bytes per second (a
                     link's limit: more connections get no more)
  range_faults L     faults for ranged (Range: bytes=A-B) download bodies,
                     a list of objects {"kind": K, "at": OFFSET,
                     "times": N (default 1), ...}; each applies to the
                     first N ranged bodies whose span holds OFFSET (any
                     ranged body when "at" is absent):
                       "drop"     close the connection after "after"
                                  body bytes (default 0)
                       "flip"     flip the byte at OFFSET
                       "ignore"   ignore the Range, answer 200 and the
                                  whole file
                       "shift"    answer a Content-Range (and body) that
                                  starts "by" bytes (default 1) later
                                  than asked
                       "etag"     answer ETag "<etag>-v2" and the content
                                  of another version (every byte
                                  flipped): the file changed on the
                                  server between two requests

<log>.peak always holds the most bodies that were being sent at once.
<log>.ranges gets one JSON line per download body once it ends: path,
host, status, "start" and "end" (file offsets of the bytes actually sent,
end exclusive), "asked" (the Range header) and "conn" (a number per
connection).
  redirect_loop true resolve redirects forever
  cdn_bounce true    the CDN redirects back to the endpoint (/back/cdn/...),
                     which serves the file
  cdn_base URL       redirect LFS files to URL/<sha256> instead
  xet true           mark LFS files as Xet-backed (xetHash, X-Xet-Hash)
  no_ranges true     ignore Range headers (answer 200)
  evil_path P        list an extra file at path P (e.g. "../../x")
  extra_entries L    append the JSON objects of list L to the tree listing
  tree_body S        answer every tree request with the raw text S
  revision_body S    answer every revision request with the raw text S
  link_self true     every tree page's Link rel="next" points to itself
  link_relative R    tree pages link relatively: "path" (/api/...) or
                     "query" (?recursive=...&cursor=N)
  link_host H        tree pages link to host H (e.g. 127.0.0.2, which then
                     serves the API too)

Every request is logged as one JSON line to --log: method, path, host
(address served), status, and the Range and Authorization headers.
"""
import argparse
import hashlib
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
COUNTERS = {}
ACTIVE = [0]  # bodies being sent right now
LINK_DUE = [0.0]  # when the shared link (total_rate) is free again
CONNS = [0]  # connections accepted, to number them
FLIP_ALL = bytes(b ^ 0xFF for b in range(256))
META = {}


def knobs():
    if not ARGS.knobs or not os.path.exists(ARGS.knobs):
        return {}
    try:
        with open(ARGS.knobs) as f:
            k = json.load(f)
    except (OSError, ValueError):
        return {}
    stamp = json.dumps(k, sort_keys=True)
    with LOCK:
        if COUNTERS.get("_stamp") != stamp:
            COUNTERS.clear()
            COUNTERS["_stamp"] = stamp
    return k


def take(name, limit):
    """True for the first `limit` calls since the knobs last changed."""
    with LOCK:
        n = COUNTERS.get(name, 0)
        if n < limit:
            COUNTERS[name] = n + 1
            return True
    return False


def commit_of(repo, rev):
    return hashlib.sha1(("%s@%s" % (repo, rev)).encode()).hexdigest()


def file_meta(path):
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    with LOCK:
        m = META.get(key)
    if m:
        return m
    s1 = hashlib.sha1(b"blob %d\0" % st.st_size)
    s256 = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            s1.update(b)
            s256.update(b)
    m = {"size": st.st_size, "blob": s1.hexdigest(), "sha256": s256.hexdigest(),
         "lfs": st.st_size >= ARGS.lfs_threshold}
    with LOCK:
        META[key] = m
    return m


def repo_dir(repo):
    if not re.match(r"^[\w.-]+/[\w.-]+$", repo):
        return None
    d = os.path.join(ARGS.root, repo)
    return d if os.path.isdir(d) else None


def revisions(repo):
    d = repo_dir(repo)
    return sorted(e for e in os.listdir(d) if not e.startswith(".")
                  and os.path.isdir(os.path.join(d, e)))


def find_rev(repo, rev):
    """The revision directory for a branch/tag name, an alias listed in
    the repo's .aliases JSON ({"refs/pr/1": "main"}) or a commit hash."""
    aliases = os.path.join(repo_dir(repo), ".aliases")
    if os.path.exists(aliases):
        rev = json.load(open(aliases)).get(rev, rev)
    for r in revisions(repo):
        if r == rev or commit_of(repo, r) == rev:
            return r
    return None


def list_files(repo, rev):
    base = os.path.join(repo_dir(repo), rev)
    out = []
    for dirpath, dirs, files in os.walk(base):
        dirs.sort()
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            out.append((os.path.relpath(full, base), full))
    return sorted(out)


def by_sha256(sha):
    for org in os.listdir(ARGS.root):
        for name in os.listdir(os.path.join(ARGS.root, org)):
            repo = "%s/%s" % (org, name)
            if not repo_dir(repo):
                continue
            for rev in revisions(repo):
                for rel, full in list_files(repo, rev):
                    if file_meta(full)["sha256"] == sha:
                        return full
    return None


RESOLVE = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")
API = re.compile(r"^/api/models/([^/]+/[^/]+)/(revision|tree|paths-info)/([^/]+)$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        with LOCK:
            CONNS[0] += 1
            self.conn_id = CONNS[0]

    def log(self, status):
        entry = {"m": self.command, "p": self.path, "s": status,
                 "host": self.server.server_address[0],
                 "range": self.headers.get("Range"),
                 "auth": self.headers.get("Authorization"),
                 "ua": self.headers.get("User-Agent")}
        with LOCK:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def send(self, status, headers=None, body=b""):
        self.log(status)
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error(self, status, code, msg, extra=None):
        h = {"X-Error-Code": code, "X-Error-Message": msg,
             "Content-Type": "application/json"}
        h.update(extra or {})
        self.send(status, h, json.dumps({"error": msg}).encode())

    def authorized(self, repo):
        tok = os.path.join(repo_dir(repo), ".token")
        if not os.path.exists(tok):
            return True
        want = "Bearer " + open(tok).read().strip()
        if self.headers.get("Authorization") == want:
            return True
        if os.path.exists(os.path.join(repo_dir(repo), ".gated")):
            self.error(401, "GatedRepo", "Access to model %s is restricted." % repo)
        else:
            self.error(401, "RepoNotFound", "Repository Not Found")
        return False

    def range_fault(self, k, start, end):
        """The first range fault that applies to a ranged body
        start..end (inclusive), counted against its "times"."""
        for i, f in enumerate(k.get("range_faults", [])):
            at = f.get("at")
            if at is not None and not start <= at <= end:
                continue
            if take("range_fault_%d" % i, f.get("times", 1)):
                return f
        return None

    def body(self, full, meta, headers, k, lfs):
        """Serve a file with Range support and the body faults."""
        size = meta["size"]
        start, end = 0, size - 1
        status = 200
        asked = self.headers.get("Range")
        rng = None if k.get("no_ranges") else asked
        fault = None
        if rng:
            mm = re.match(r"bytes=(\d*)-(\d*)$", rng)
            if not mm or not (mm.group(1) or mm.group(2)):
                rng = None  # not one range we understand: RFC 9110 says ignore
            elif not mm.group(1):
                # Suffix range: the last N bytes.
                n = int(mm.group(2))
                if n == 0:
                    return self.send(416, {"Content-Range": "bytes */%d" % size})
                start = max(0, size - n)
            else:
                start = int(mm.group(1))
                if mm.group(2):
                    if int(mm.group(2)) < start:
                        rng = None
                        start = 0
                    else:
                        end = min(int(mm.group(2)), size - 1)
                if rng and start >= size:
                    return self.send(416, {"Content-Range": "bytes */%d" % size})
        if rng:
            status = 206
            fault = self.range_fault(k, start, end) if self.command == "GET" else None
            kind = fault and fault.get("kind")
            if kind == "ignore":
                status, start, end = 200, 0, size - 1
            elif kind == "shift":
                start = min(start + int(fault.get("by", 1)), end)
            if status == 206:
                headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, size)
        if fault and fault.get("kind") == "etag":
            etag = headers.get("ETag", '""').strip('"')
            headers["ETag"] = '"%s-v2"' % etag
        headers["Accept-Ranges"] = "bytes"
        headers["Content-Length"] = str(end - start + 1)
        self.log(status)
        self.send_response(status)
        for h, v in headers.items():
            self.send_header(h, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        drop = None
        if ("drop_after" in k and end + 1 - start > k["drop_after"]
                and take("drop", k.get("drop_times", 1))):
            drop = k["drop_after"]
        if fault and fault.get("kind") == "drop":
            drop = int(fault.get("after", 0))
        limit = end + 1
        if "truncate_at" in k:
            limit = min(limit, k["truncate_at"])
        with LOCK:
            ACTIVE[0] += 1
            self.write_active()
            peak = max(COUNTERS.get("peak", 0), ACTIVE[0])
            COUNTERS["peak"] = peak
            # The most bodies ever sent at once (since the knobs changed).
            with open(ARGS.log + ".peak", "w") as pf:
                pf.write(str(peak))
        pos = start
        try:
            pos = self.send_file(full, start, end, limit, drop, k, lfs, fault)
        finally:
            with LOCK:
                ACTIVE[0] -= 1
                self.write_active()
                entry = {"p": self.path, "host": self.server.server_address[0],
                         "s": status, "start": start, "end": pos,
                         "asked": asked, "conn": self.conn_id}
                with open(ARGS.log + ".ranges", "a") as f:
                    f.write(json.dumps(entry) + "\n")

    def write_active(self):
        # Bodies being sent now: tests wait for 0 after killing a client.
        with open(ARGS.log + ".active", "w") as pf:
            pf.write(str(ACTIVE[0]))

    def pace(self, k, t0, sent, step):
        """Sleep so that this body stays under the knobs' rates."""
        if k.get("total_rate"):
            step = self.pace_link(float(k["total_rate"]), step)
        rates = [float(k[n]) for n in ("slow", "rate") if k.get(n)]
        if not rates:
            return step
        rate = min(rates)
        if k.get("slow") and not k.get("rate"):
            # The old knob: fixed chunks, a fixed sleep before each.
            step = max(1, int(k["slow"]) // 20)
            time.sleep(step / float(k["slow"]))
            return step
        step = max(1, min(step, int(rate) // 50))
        due = t0 + (sent + step) / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        return step

    def pace_link(self, total, step):
        """Take the next slot of the shared link for step bytes."""
        step = max(1, min(step, int(total) // 50))
        with LOCK:
            start = max(LINK_DUE[0], time.monotonic())
            LINK_DUE[0] = start + step / total
        wait = start - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        return step

    def send_file(self, full, start, end, limit, drop, k, lfs, fault=None):
        """Send bytes start..limit-1 (inclusive end `end`); returns the
        file offset reached."""
        sent = 0
        t0 = time.monotonic()
        flip_all = fault is not None and fault.get("kind") == "etag"
        flip_fault = fault.get("at") if fault and fault.get("kind") == "flip" else None
        with open(full, "rb") as f:
            f.seek(start)
            pos = start
            while pos < limit:
                step = self.pace(k, t0, sent, 65536)
                chunk = f.read(min(step, limit - pos))
                if not chunk:
                    break
                if k.get("flip_byte") and lfs and pos == 0:
                    chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
                for flip in (k.get("flip_at", -1), flip_fault):
                    at = (flip if flip is not None else -1) - pos
                    if (lfs or flip is flip_fault) and 0 <= at < len(chunk):
                        chunk = chunk[:at] + bytes([chunk[at] ^ 0xFF]) + chunk[at + 1:]
                if flip_all:
                    chunk = chunk.translate(FLIP_ALL)
                if drop is not None and sent + len(chunk) > drop:
                    chunk = chunk[:drop - sent]
                try:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                except OSError:
                    return pos
                sent += len(chunk)
                pos += len(chunk)
                if k.get("slow") or k.get("rate"):
                    # How far the slow body has got, for kill -9 tests.
                    with open(ARGS.log + ".pos", "w") as pf:
                        pf.write(str(pos))
                if drop is not None and sent >= drop:
                    break
        if pos < end + 1:
            # Cut the connection: the client must see a short body.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return pos

    def handle_any(self):
        k = knobs()
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if path.startswith("/loop/"):
            n = int(path[6:] or 0)
            return self.send(302, {"Location": "/loop/%d" % (n + 1)})
        if path.startswith("/back/cdn/"):
            # cdn_bounce: the CDN sent the client back to the endpoint.
            path = path[5:]
        elif path.startswith("/cdn/"):
            if self.server.server_address[0] != "127.0.0.2":
                return self.error(404, "NotFound", "CDN is on 127.0.0.2")
            if k.get("cdn_bounce"):
                return self.send(302, {"Location": "http://127.0.0.1:%d/back%s" % (
                    ARGS.port, self.path)})
        if path.startswith("/cdn/"):
            if ("dl_5xx" in k and take("dl_5xx", k["dl_5xx"])):
                return self.error(503, "Unavailable", "try again")
            full = by_sha256(path[5:])
            if not full:
                return self.error(404, "EntryNotFound", "no such blob")
            return self.body(full, file_meta(full), {"ETag": '"%s"' % path[5:]}, k, True)
        if self.server.server_address[0] != "127.0.0.1" and not (
                k.get("link_host") and path.startswith("/api/")):
            return self.error(404, "NotFound", "only /cdn/ here")
        m = RESOLVE.match(url.path)
        if m:
            repo, rev, rel = map(urllib.parse.unquote, m.groups())
            if not repo_dir(repo):
                return self.error(404, "RepoNotFound", "Repository Not Found")
            if not self.authorized(repo):
                return
            r = find_rev(repo, rev)
            if r is None:
                return self.error(404, "RevisionNotFound", "Invalid rev id: %s" % rev)
            commit = commit_of(repo, r)
            full = dict(list_files(repo, r)).get(rel)
            if full is None:
                return self.error(404, "EntryNotFound", "Entry not found",
                                  {"X-Repo-Commit": commit})
            if k.get("redirect_loop"):
                return self.send(302, {"Location": "/loop/0", "X-Repo-Commit": commit})
            if self.command == "GET" and "dl_5xx" in k and take("dl_5xx", k["dl_5xx"]):
                return self.error(503, "Unavailable", "try again")
            if self.command == "GET" and "dl_429" in k and take("dl_429", k["dl_429"]):
                return self.error(429, "TooManyRequests", "slow down",
                                  {"Retry-After": str(k.get("retry_after", 1))})
            md = file_meta(full)
            size = md["size"] + (k.get("size_delta", 0) if md["lfs"] else 0)
            h = {"X-Repo-Commit": commit, "ETag": '"%s"' % md["blob"]}
            if md["lfs"]:
                base = k.get("cdn_base") or "http://127.0.0.2:%d/cdn" % ARGS.port
                h.update({"Location": "%s/%s?X-Amz-Signature=fake" % (base, md["sha256"]),
                          "X-Linked-Etag": '"%s"' % md["sha256"],
                          "X-Linked-Size": str(size)})
                if k.get("xet"):
                    h["X-Xet-Hash"] = md["sha256"]
                return self.send(302, h)
            return self.body(full, md, h, k, False)
        m = API.match(url.path)
        if not m:
            return self.error(404, "NotFound", "no route")
        repo, kind, rev = map(urllib.parse.unquote, m.groups())
        if "api_5xx" in k and take("api_5xx", k["api_5xx"]):
            return self.error(500, "Internal", "try again")
        if not repo_dir(repo):
            return self.error(404, "RepoNotFound", "Repository Not Found")
        if not self.authorized(repo):
            return
        r = find_rev(repo, rev)
        if r is None:
            return self.error(404, "RevisionNotFound", "Invalid rev id: %s" % rev)
        commit = commit_of(repo, r)
        if kind == "revision" and "revision_body" in k:
            return self.send(200, {"Content-Type": "application/json"},
                             k["revision_body"].encode())
        if kind == "tree" and "tree_body" in k:
            return self.send(200, {"Content-Type": "application/json"},
                             k["tree_body"].encode())
        if kind == "revision":
            return self.send(200, {"Content-Type": "application/json"}, json.dumps({
                "id": repo, "sha": commit, "private": False,
                "lastModified": "2024-01-01T00:00:00.000Z",
                "siblings": [{"rfilename": p} for p, _ in list_files(repo, r)]}).encode())
        want = None
        if kind == "paths-info":
            n = int(self.headers.get("Content-Length") or 0)
            want = set(json.loads(self.rfile.read(n) or b"{}").get("paths", []))
        entries, dirs = [], set()
        for rel, full in list_files(repo, r):
            if want is not None and rel not in want:
                continue
            md = file_meta(full)
            parts = rel.split("/")[:-1]
            for i in range(len(parts)):
                dirs.add("/".join(parts[:i + 1]))
            size = md["size"] + (k.get("size_delta", 0) if md["lfs"] else 0)
            e = {"type": "file", "oid": md["blob"], "size": size, "path": rel}
            if md["lfs"]:
                e["lfs"] = {"oid": md["sha256"], "size": size, "pointerSize": 134}
                if k.get("xet"):
                    e["xetHash"] = md["sha256"]
            if want is not None:
                e["lastCommit"] = {"id": commit, "title": "init",
                                   "date": "2024-01-01T00:00:00.000Z"}
            entries.append(e)
        if want is None and k.get("evil_path"):
            entries.append({"type": "file", "oid": "0" * 40, "size": 1,
                            "path": k["evil_path"]})
        if want is None:
            entries += k.get("extra_entries", [])
            entries += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": d}
                        for d in sorted(dirs)]
        headers = {"Content-Type": "application/json"}
        if kind == "tree":
            q = urllib.parse.parse_qs(url.query)
            cursor = int(q.get("cursor", ["0"])[0])
            page = entries[cursor:cursor + ARGS.page_size]
            if cursor + ARGS.page_size < len(entries):
                nxt = "http://%s:%d/api/models/%s/tree/%s?recursive=true&expand=false&cursor=%d" % (
                    k.get("link_host", "127.0.0.1"), ARGS.port, repo, rev,
                    cursor + ARGS.page_size)
                if k.get("link_relative") == "path":
                    nxt = nxt[nxt.index("/api/"):]
                elif k.get("link_relative") == "query":
                    nxt = nxt[nxt.index("?"):]
                headers["Link"] = '<%s>; rel="next"' % nxt
            entries = page
            if k.get("link_self"):
                headers["Link"] = '<http://127.0.0.1:%d%s>; rel="next"' % (
                    ARGS.port, self.path)
        return self.send(200, headers, json.dumps(entries).encode())

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--knobs")
    ap.add_argument("--lfs-threshold", type=int, default=1024)
    ap.add_argument("--page-size", type=int, default=3)
    ARGS = ap.parse_args()
    for _ in range(50):
        a = Server(("127.0.0.1", 0), Handler)
        ARGS.port = a.server_address[1]
        try:
            b = Server(("127.0.0.2", ARGS.port), Handler)
            break
        except OSError:
            a.server_close()
    else:
        sys.exit("fakehub: no free port pair")
    threading.Thread(target=b.serve_forever, daemon=True).start()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(ARGS.port))
    os.rename(tmp, ARGS.port_file)
    a.serve_forever()


if __name__ == "__main__":
    main()
