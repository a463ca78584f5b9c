#!/usr/bin/env python3
"""A hostile BitTorrent seeder for tests: serves a checkpoint's torrent over
the v1 wire protocol, but flips a byte in every block that overlaps one file.

usage: bad_peer.py TORRENT CKPT_DIR CORRUPT_FILE [--idle SECONDS]

TORRENT is the .torrent, CKPT_DIR the directory holding its files (a
checkpoint directory: the torrent's top folder), CORRUPT_FILE a path inside
it (chunks/00000003.chunk). Listens on a free port of 127.0.0.1 and prints
that port as the first line of stdout. Every corrupted block served is
logged to stderr ("corrupted piece I offset O length L"). It takes plaintext
and MSE-encrypted connections (choosing plaintext after the handshake when the
leecher allows it), and no extensions (no fast extension, no metadata
exchange): a leecher must have the torrent.

Stock clients verify what they seed, so a test needs this to see a peer send
bad data. It exits by itself when its parent dies, or when no leecher has been
connected for --idle seconds (default 60).
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time

MAX_TORRENT = 16 << 20
MAX_MESSAGE = 1 << 20  # a leecher's bitfield of a huge torrent at most; requests are 17 bytes
MAX_BLOCK = 128 << 10  # libtorrent asks 16 KiB; the spec allows no more than 128 KiB
PROTOCOL = b"BitTorrent protocol"


def log(msg):
    sys.stderr.write("bad_peer: " + msg + "\n")
    sys.stderr.flush()


def bdecode(data):
    """The value encoded in data, and the span of the top-level "info" value."""
    spans = {}

    def value(i, depth):
        if depth > 64:
            raise ValueError("too deep")
        c = data[i:i + 1]
        if c == b"i":
            end = data.index(b"e", i)
            return int(data[i + 1:end]), end + 1
        if c == b"l":
            out, i = [], i + 1
            while data[i:i + 1] != b"e":
                v, i = value(i, depth + 1)
                out.append(v)
            return out, i + 1
        if c == b"d":
            out, i = {}, i + 1
            while data[i:i + 1] != b"e":
                k, i = value(i, depth + 1)
                start = i
                v, i = value(i, depth + 1)
                if depth == 0 and k == b"info":
                    spans["info"] = (start, i)
                out[k] = v
            return out, i + 1
        if c.isdigit():
            colon = data.index(b":", i)
            n = int(data[i:colon])
            if n < 0 or colon + 1 + n > len(data):
                raise ValueError("string past the end")
            return data[colon + 1:colon + 1 + n], colon + 1 + n
        raise ValueError("bad bencode at %d" % i)

    v, end = value(0, 0)
    if end != len(data):
        raise ValueError("trailing bytes")
    return v, spans.get("info")


class Torrent:
    def __init__(self, path, root, corrupt):
        raw = open(path, "rb").read(MAX_TORRENT + 1)
        if len(raw) > MAX_TORRENT:
            raise ValueError("torrent too large")
        meta, span = bdecode(raw)
        info = meta[b"info"]
        info_bytes = raw[span[0]:span[1]]
        # A hybrid torrent's peers may use either hash (v2's truncated to 20 bytes).
        self.hashes = {hashlib.sha1(info_bytes).digest(), hashlib.sha256(info_bytes).digest()[:20]}
        self.piece_length = info[b"piece length"]
        self.num_pieces = len(info[b"pieces"]) // 20
        # (offset, length, path or None for a pad file, path inside the torrent)
        self.files = []
        offset = 0
        entries = info.get(b"files") or [{b"length": info[b"length"], b"path": []}]
        for f in entries:
            parts = [p.decode() for p in f[b"path"]]
            if any(p in ("", ".", "..") or "/" in p for p in parts):
                raise ValueError("unsafe path")
            rel = "/".join(parts)
            pad = b"p" in f.get(b"attr", b"")
            path = None if pad else os.path.join(root, *parts)
            self.files.append((offset, f[b"length"], path, rel))
            offset += f[b"length"]
        self.length = offset
        hit = [f for f in self.files if f[3] == corrupt and f[2]]
        if not hit:
            raise ValueError("no file %s in the torrent" % corrupt)
        self.bad = (hit[0][0], hit[0][0] + hit[0][1])

    def read(self, start, length):
        """Bytes [start, start+length) of the piece space; whether it overlaps the bad file."""
        out = bytearray()
        for off, n, path, _ in self.files:
            lo, hi = max(start, off), min(start + length, off + n)
            if lo >= hi:
                continue
            if path is None:
                out += bytes(hi - lo)
                continue
            with open(path, "rb") as f:
                f.seek(lo - off)
                data = f.read(hi - lo)
            out += data + bytes(hi - lo - len(data))
        lo, hi = max(start, self.bad[0]), min(start + length, self.bad[1])
        if lo < hi:
            out[lo - start] ^= 0xFF
        return bytes(out), lo < hi


# Message stream encryption (MSE/PE): libtorrent tries it first and falls back
# to plaintext only on a later connection, seconds on, when the download may be over.
MSE_P = int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
            "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
            "4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563", 16)
MSE_MAX_PAD = 512


def sha1(*parts):
    return hashlib.sha1(b"".join(parts)).digest()


class RC4:
    def __init__(self, key):
        s, j = list(range(256)), 0
        for i in range(256):
            j = (j + s[i] + key[i % len(key)]) & 255
            s[i], s[j] = s[j], s[i]
        self.s, self.i, self.j = s, 0, 0
        self.crypt(bytes(1024))  # MSE discards the first 1024 bytes of each stream

    def crypt(self, data):
        s, i, j = self.s, self.i, self.j
        out = bytearray(len(data))
        for k, b in enumerate(data):
            i = (i + 1) & 255
            j = (j + s[i]) & 255
            s[i], s[j] = s[j], s[i]
            out[k] = b ^ s[(s[i] + s[j]) & 255]
        self.i, self.j = i, j
        return bytes(out)


class Conn:
    """A socket read through a buffer, with optional RC4 each way."""

    def __init__(self, sock):
        self.sock, self.raw, self.plain = sock, bytearray(), b""
        self.rx = self.tx = None

    def fill(self):
        part = self.sock.recv(65536)
        if not part:
            raise EOFError
        self.raw += part

    def take(self, n):
        out, self.plain = self.plain[:n], self.plain[n:]
        while len(self.raw) < n - len(out):
            self.fill()
        data = bytes(self.raw[:n - len(out)])
        del self.raw[:n - len(out)]
        return out + (self.rx.crypt(data) if self.rx else data)

    def skip_past(self, marker, limit):
        """Consumes raw bytes up to and including marker, found within limit bytes."""
        while True:
            at = self.raw.find(marker)
            if 0 <= at <= limit:
                del self.raw[:at + len(marker)]
                return
            if len(self.raw) >= limit + len(marker):
                raise ValueError("no MSE sync marker")
            self.fill()

    def send(self, data):
        self.sock.sendall(self.tx.crypt(data) if self.tx else data)


def mse_accept(conn, first, hashes):
    """The receiving side of an MSE handshake whose first 20 bytes are `first`;
    picks plaintext for what follows when offered. Returns the info-hash used."""
    ya = int.from_bytes(first + conn.take(76), "big")
    if not 1 < ya < MSE_P - 1:
        raise ValueError("bad MSE key")
    xb = int.from_bytes(os.urandom(20), "big")
    conn.send(pow(2, xb, MSE_P).to_bytes(96, "big") + os.urandom(os.urandom(1)[0]))
    secret = pow(ya, xb, MSE_P).to_bytes(96, "big")
    conn.skip_past(sha1(b"req1", secret), MSE_MAX_PAD)
    obfuscated = conn.take(20)
    req3 = sha1(b"req3", secret)
    skey = [h for h in hashes if bytes(a ^ b for a, b in zip(sha1(b"req2", h), req3)) == obfuscated]
    if not skey:
        raise ValueError("MSE for an unknown info-hash")
    conn.rx = RC4(sha1(b"keyA", secret, skey[0]))
    tx = RC4(sha1(b"keyB", secret, skey[0]))
    if conn.take(8) != bytes(8):
        raise ValueError("bad MSE verification constant")
    provide = int.from_bytes(conn.take(4), "big")
    pad = int.from_bytes(conn.take(2), "big")
    if pad > MSE_MAX_PAD:
        raise ValueError("MSE pad of %d bytes" % pad)
    conn.take(pad)
    initial = conn.take(int.from_bytes(conn.take(2), "big"))
    select = 1 if provide & 1 else 2 if provide & 2 else 0
    if not select:
        raise ValueError("MSE offers neither plaintext nor RC4")
    conn.sock.sendall(tx.crypt(bytes(8) + select.to_bytes(4, "big") + bytes(2)))
    if select == 1:
        conn.rx = None
    else:
        conn.tx = tx
    conn.plain = initial  # the start of the payload, sent with the handshake
    return "MSE, " + ("plaintext" if select == 1 else "RC4")


class Server:
    def __init__(self, torrent):
        self.t = torrent
        self.lock = threading.Lock()
        self.active = 0
        self.last_seen = time.monotonic()
        self.peer_id = b"-BP0001-" + os.urandom(12)

    def serve(self, sock, addr):
        try:
            self.session(sock, addr)
        except (EOFError, OSError, ValueError) as e:
            log("%s:%d: %s" % (addr[0], addr[1], e.__class__.__name__ if not str(e) else e))
        finally:
            sock.close()
            with self.lock:
                self.active -= 1
                self.last_seen = time.monotonic()
            log("%s:%d: closed" % addr)

    def session(self, sock, addr):
        sock.settimeout(120)
        conn = Conn(sock)
        first, how = conn.take(20), "plaintext"
        if first != bytes([19]) + PROTOCOL:
            how = mse_accept(conn, first, self.t.hashes)
            first = conn.take(20)
            if first != bytes([19]) + PROTOCOL:
                raise ValueError("not a BitTorrent handshake")
        info_hash = conn.take(48)[8:28]
        if info_hash not in self.t.hashes:
            raise ValueError("unknown info-hash " + info_hash.hex())
        conn.send(bytes([19]) + PROTOCOL + bytes(8) + info_hash + self.peer_id)
        log("%s:%d: handshake %s (%s)" % (addr[0], addr[1], info_hash.hex(), how))
        bits = bytearray((self.t.num_pieces + 7) // 8)
        for i in range(self.t.num_pieces):
            bits[i // 8] |= 0x80 >> (i % 8)
        conn.send(struct.pack(">IB", 1 + len(bits), 5) + bits + struct.pack(">IB", 1, 1))
        while True:
            (n,) = struct.unpack(">I", conn.take(4))
            if n == 0:
                continue  # keep-alive
            if n > MAX_MESSAGE:
                raise ValueError("message of %d bytes" % n)
            msg = conn.take(n)
            # choke, unchoke, interested, not interested, have, bitfield,
            # cancel (requests are answered at once), port and unknown ids: nothing to do.
            if msg[0] != 6:
                continue
            if n != 13:
                raise ValueError("request of %d bytes" % n)
            index, begin, length = struct.unpack(">III", msg[1:])
            start = index * self.t.piece_length + begin
            if (index >= self.t.num_pieces or length == 0 or length > MAX_BLOCK or
                    begin + length > self.t.piece_length or start + length > self.t.length):
                raise ValueError("bad request %d %d %d" % (index, begin, length))
            data, bad = self.t.read(start, length)
            if bad:
                log("corrupted piece %d offset %d length %d" % (index, begin, length))
            conn.send(struct.pack(">IBII", 9 + length, 7, index, begin) + data)

    def run(self, idle):
        parent = os.getppid()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.2)
        print(listener.getsockname()[1], flush=True)
        while True:
            try:
                sock, addr = listener.accept()
            except socket.timeout:
                with self.lock:
                    quiet = self.active == 0 and time.monotonic() - self.last_seen > idle
                if quiet or os.getppid() != parent:
                    log("exiting: " + ("idle" if quiet else "parent gone"))
                    return
                continue
            with self.lock:
                self.active += 1
                self.last_seen = time.monotonic()
            threading.Thread(target=self.serve, args=(sock, addr), daemon=True).start()


def main(argv):
    args, idle = argv[1:], 60.0
    if "--idle" in args:
        i = args.index("--idle")
        idle = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    Server(Torrent(*args)).run(idle)


if __name__ == "__main__":
    main(sys.argv)
