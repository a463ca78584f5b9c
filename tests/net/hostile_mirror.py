#!/usr/bin/env python3
"""A mirror of a checkpoint store (or of one checkpoint directory) that can lie.

usage: hostile_mirror.py --root DIR --port-file FILE [--mode MODE[:ARG]]...
                         [--every N] [--log FILE]

Listens on 127.0.0.1, port chosen by the kernel, written to --port-file (tmp +
rename) once listening. Runs until killed or until its parent process exits.
Chunk modes act on requests for NNNNNNNN.chunk whose index i has i % N == 0
with --every N, else on every chunk request; several --mode flags combine:
  flip            one byte in the middle of the body flipped (same length)
  other:DIR       the same-named chunk of checkpoint directory DIR (404 if absent)
  truncate        Content-Length of the full body, connection closed after half
  longer          the body plus 64 KiB more, Content-Length saying so
  endless[:chunked] a body that never ends (close-delimited, or chunked)
  drip[:BPS]      the body at BPS bytes/s (default 1024)
  stall           headers, then nothing until the client hangs up
  status:CODE     that status (e.g. 404, 500)
  redirect-loop   302 to the same path, alternating ?loop=1 / ?loop=2, forever
  redirect-file   302 to file:///etc/passwd
  redirect:PREFIX 302 to PREFIX + the request path (e.g. another mirror's URL)
Regardless of --every:
  manifest:FILE   FILE's bytes for every manifest.json
  index:FILE      FILE's bytes for every index.json
  meta-drip[:BPS] manifest.json and index.json at BPS bytes/s (default 2)
Everything else is served honestly: exact bytes, Content-Length, HEAD, one-range
Range requests; no directory listings, and a path with a component '..' or
starting with '.' is 404. --log gets one line per request, flushed:
METHOD REQUEST_PATH STATUS BODY_BYTES_SENT (as tests/net/nginx.sh's access log).
"""
import argparse
import os
import re
import select
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK_MODES = {"flip", "other", "truncate", "longer", "endless", "drip", "stall",
               "status", "redirect-loop", "redirect-file", "redirect"}
ALL_MODES = CHUNK_MODES | {"manifest", "index", "meta-drip"}
CHUNK_NAME = re.compile(r"^(\d+)\.chunk$")


class Disconnected(Exception):
    """The client hung up."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile-mirror"
    sys_version = ""

    def log_message(self, *args):  # our own log only
        pass

    def do_HEAD(self):
        self.handle_one(head=True)

    def do_GET(self):
        self.handle_one(head=False)

    def not_allowed(self):
        self.status, self.sent, self.close_connection = 405, 0, True  # body left unread
        self.simple(405, b"read-only\n", head=False)
        self.write_log()

    do_POST = do_PUT = do_DELETE = do_PATCH = not_allowed

    # --- plumbing -----------------------------------------------------------
    def write_log(self):
        if self.server.log:
            with self.server.log_lock:
                self.server.log.write(f"{self.command} {self.path} {self.status} {self.sent}\n")
                self.server.log.flush()

    def send(self, data):
        try:
            self.wfile.write(data)
        except OSError as e:
            raise Disconnected() from e
        self.sent += len(data)

    def head_out(self, code, headers):
        self.status = code
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        try:
            self.end_headers()
        except OSError as e:
            raise Disconnected() from e

    def simple(self, code, body, head, extra=()):
        self.head_out(code, [("Content-Length", str(len(body))),
                             ("Content-Type", "text/plain")] + list(extra))
        if not head:
            self.send(body)

    def client_gone(self, timeout):
        """Waits up to timeout; True once the client has closed its side."""
        r, _, _ = select.select([self.connection], [], [], timeout)
        if not r:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    # --- one request ----------------------------------------------------------
    def handle_one(self, head):
        self.status, self.sent = 0, 0
        try:
            self.respond(head)
        except Disconnected:
            self.close_connection = True
        finally:
            self.write_log()

    def respond(self, head):
        modes = self.server.modes
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        parts = [p for p in path.split("/") if p]
        if any(p == ".." or p.startswith(".") for p in parts) or not parts:
            return self.simple(404, b"not found\n", head)
        name = parts[-1]
        if name in ("manifest.json", "index.json") and "meta-drip" in modes:
            return self.drip_meta(name, parts, head)
        if name == "manifest.json" and "manifest" in modes:
            return self.serve_bytes(read(modes["manifest"]), head)
        if name == "index.json" and "index" in modes:
            return self.serve_bytes(read(modes["index"]), head)
        file = os.path.join(self.server.root, *parts)
        if not os.path.isfile(file):
            return self.simple(404, b"not found\n", head)
        m = CHUNK_NAME.match(name)
        every = self.server.every
        if m and (every is None or int(m.group(1)) % every == 0) and CHUNK_MODES & modes.keys():
            return self.hostile_chunk(file, name, head)
        return self.serve_bytes(read(file), head, ranges=True)

    def drip_meta(self, name, parts, head):
        key = "manifest" if name == "manifest.json" else "index"
        file = self.server.modes.get(key) or os.path.join(self.server.root, *parts)
        if not os.path.isfile(file):
            return self.simple(404, b"not found\n", head)
        body = read(file)
        self.head_out(200, [("Content-Length", str(len(body))), ("Content-Type", "application/json")])
        rate = int(self.server.modes["meta-drip"] or 2)
        for i in range(0, 0 if head else len(body)):
            self.send(body[i:i + 1])
            if self.client_gone(1 / rate):
                raise Disconnected()
        return None

    def serve_bytes(self, body, head, ranges=False):
        ctype = "application/json" if self.path.split("?")[0].endswith(".json") \
            else "application/octet-stream"
        rng = self.headers.get("Range", "") if ranges else ""
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
        if m and (m.group(1) or m.group(2)):
            n = len(body)
            if m.group(1):
                lo, hi = int(m.group(1)), min(int(m.group(2) or n - 1), n - 1)
            else:
                lo, hi = max(n - int(m.group(2)), 0), n - 1
            if lo > hi:
                return self.simple(416, b"", head, [("Content-Range", f"bytes */{n}")])
            self.head_out(206, [("Content-Length", str(hi - lo + 1)), ("Content-Type", ctype),
                                ("Content-Range", f"bytes {lo}-{hi}/{n}"),
                                ("Accept-Ranges", "bytes")])
            return None if head else self.send(body[lo:hi + 1])
        self.head_out(200, [("Content-Length", str(len(body))), ("Content-Type", ctype),
                            ("Accept-Ranges", "bytes")])
        return None if head else self.send(body)

    def hostile_chunk(self, file, name, head):
        modes = self.server.modes
        if "status" in modes:
            code = int(modes["status"] or 500)
            return self.simple(code, f"status {code}\n".encode(), head)
        if "redirect-file" in modes:
            return self.simple(302, b"", head, [("Location", "file:///etc/passwd")])
        if "redirect" in modes:
            return self.simple(302, b"", head, [("Location", modes["redirect"] + self.path)])
        if "redirect-loop" in modes:
            base, _, query = self.path.partition("?")
            nxt = "2" if query == "loop=1" else "1"
            host = self.headers.get("Host", "127.0.0.1:%d" % self.server.server_port)
            return self.simple(302, b"", head, [("Location", f"http://{host}{base}?loop={nxt}")])
        if "other" in modes:
            file = os.path.join(modes["other"], "chunks", name)
            if not os.path.isfile(file):
                file = os.path.join(modes["other"], name)  # DIR may be the chunks/ directory
            if not os.path.isfile(file):
                return self.simple(404, b"not found\n", head)
        body = bytearray(read(file))
        if "flip" in modes and body:
            body[len(body) // 2] ^= 0xFF
        if "longer" in modes:
            body += b"\xa5" * 65536
        octet = ("Content-Type", "application/octet-stream")
        if "endless" in modes:
            chunked = modes["endless"] == "chunked"
            self.close_connection = True
            self.head_out(200, [octet, ("Transfer-Encoding", "chunked") if chunked
                                else ("Connection", "close")])
            if head:
                return None
            block = bytes(body) + b"\x5a" * 16384
            while True:  # ~10 MB/s at most: enough to overrun any limit, cheap on CPU
                self.send(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
                time.sleep(0.002)
        self.head_out(200, [octet, ("Content-Length", str(len(body)))])
        if head:
            return None
        if "stall" in modes:
            self.close_connection = True
            while not self.client_gone(1.0):
                pass
            return None
        if "truncate" in modes:
            body = body[:len(body) // 2]
            self.close_connection = True
        if "drip" in modes:
            rate = int(modes["drip"] or 1024)
            step = max(rate // 8, 1)
            for i in range(0, len(body), step):
                self.send(bytes(body[i:i + step]))
                if self.client_gone(step / rate):
                    raise Disconnected()
            return None
        return self.send(bytes(body))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def watch_parent(ppid):
    while os.getppid() == ppid:
        time.sleep(0.5)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True, help="store or checkpoint directory to serve")
    ap.add_argument("--port-file", required=True, help="the port is written here once listening")
    ap.add_argument("--mode", action="append", default=[], help="MODE[:ARG], repeatable")
    ap.add_argument("--every", type=int, help="chunk modes only for chunk indexes i %% N == 0")
    ap.add_argument("--log", help="one line per request: METHOD PATH STATUS BYTES")
    a = ap.parse_args()
    modes = {}
    for m in a.mode:
        name, _, arg = m.partition(":")
        if name not in ALL_MODES or (name in ("other", "manifest", "index", "redirect") and not arg):
            ap.error(f"bad --mode {m!r}")
        modes[name] = arg
    if a.every is not None and a.every < 1:
        ap.error("--every must be >= 1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root, server.modes, server.every = os.path.abspath(a.root), modes, a.every
    server.log = open(a.log, "a", encoding="utf-8") if a.log else None
    server.log_lock = threading.Lock()
    tmp = f"{a.port_file}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{server.server_port}\n")
    os.replace(tmp, a.port_file)
    if os.getppid() != 1:
        threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
