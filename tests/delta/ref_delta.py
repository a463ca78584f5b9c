#!/usr/bin/env python3
"""An independent model of delta checkpoints, written from docs/FORMAT.md (§1 the trie and its
hashes, §3 chunk encoding and boundaries, §9 delta chunks and their partition) with no project
code: python3's standard library and the `zstd` command only.

From the write-log dumps of the base F and the height H (`checkpoint state dump`), it computes
the delta's changes, H's trie, each interval's canonical delta chunk (H's proof around the
interval, the changes inside it) and the greedy partition, and compares them with a delta
checkpoint the tool made:

  ref_delta.py check --base-dump F.txt --dump H.txt --ckpt DIR [--mutants]
      (a) every chunk's canonical bytes are exactly the model's for that chunk's interval;
      (b) the intervals are exactly the model's greedy partition for the manifest's chunk size;
      and the manifest agrees (roots, digests, raw sizes, change counts, chained intervals).
      Prints one JSON line of counts; exit 0 when all agree, 1 otherwise.
      --mutants then reruns the comparison with each deliberate error of the model (MUTANTS)
      and prints "mutant NAME killed|survived": the test can show it catches a disagreement.
  ref_delta.py edge-size --base-dump F.txt --dump H.txt [--min 1024]
      a chunk size S at which the partition hangs on "≤ S" (the partition at S - 1 differs).
  ref_delta.py gen-logs --seed N --out DIR
      write logs h1.log … h8.log of a prefix-heavy history (see gen_logs).
  ref_delta.py selftest
      the model's trie against FORMAT.md §1's worked example and root vectors.
"""
import argparse
import hashlib
import json
import os
import random
import struct
import subprocess
import sys

sys.setrecursionlimit(100000)

# Deliberate errors (--mutants): each must make the comparison fail on some checkpoint.
MUTANTS = [
    "size-1",              # a chunk takes a change while its size stays <= S - 1
    "size+1",              # ... <= S + 1
    "boundary+1",          # a boundary one bit longer than the shortest distinguishing prefix
    "leaf-as-stub",        # a leaf outside whose edge region reaches in: a stub, not whole
    "stub-by-child-path",  # a child is a stub when its own path (not its edge region) is outside
    "right-prev-proof",    # the right proof front-coded against the last proof item, not change
    "no-front-coding",     # stubs spelled whole (shared = 0)
    "slot-stub-inside",    # a slot leaf inside the interval a slot-leaf stub too
    "root-leaf-whole",     # a one-leaf trie's leaf given whole even inside the interval
]
MUT = set()

# ---------------------------------------------------------------------------- bits and hashes


def key_bits(k):
    """A byte string's bits as a str of '0'/'1', most significant bit first."""
    return bin(int.from_bytes(k, "big"))[2:].zfill(8 * len(k)) if k else ""


def pack_bits(bits):
    """Bits to bytes, zero-padded to whole bytes."""
    n = (len(bits) + 7) // 8
    return int(bits.ljust(8 * n, "0"), 2).to_bytes(n, "big") if n else b""


def lcp(a, b):
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def hasher(name):
    if name == "sha256":
        return lambda b: hashlib.sha256(b).digest()
    if name == "sha512_256":
        return lambda b: hashlib.new("sha512_256", b).digest()
    raise ValueError("unknown hash " + name)


# ---------------------------------------------------------------------------- the trie (§1)


class Leaf:
    __slots__ = ("key", "value", "path", "h")
    is_leaf = True


class Node:
    __slots__ = ("path", "slot", "left", "right", "h")
    is_leaf = False


def build(kv, H):
    """The trie of a dict key -> value; None when empty."""
    items = [(key_bits(k), k, v) for k, v in sorted(kv.items())]
    empty = H(b"")

    def leaf(bits, k, v):
        n = Leaf()
        n.key, n.value, n.path = k, v, bits
        n.h = H(b"\0" + struct.pack("<I", len(k)) + k + struct.pack("<I", len(v)) + v)
        return n

    def rec(lo, hi, depth):  # items[lo:hi], all sharing `depth` bits
        if hi - lo == 1:
            return leaf(*items[lo])
        p = lcp(items[lo][0], items[hi - 1][0])  # sorted: the first and last bound the prefix
        path = items[lo][0][:p]
        i = lo
        slot = None
        if len(items[i][0]) == p:
            slot = leaf(*items[i])
            i += 1
        j = i
        while j < hi and items[j][0][p] == "0":
            j += 1
        n = Node()
        n.path, n.slot = path, slot
        n.left = rec(i, j, p) if j > i else None
        n.right = rec(j, hi, p) if hi > j else None
        label = path[depth:]
        n.h = H(b"\1" + struct.pack("<H", len(label)) + pack_bits(label) +
                (slot.h if slot else empty) + (n.left.h if n.left else empty) +
                (n.right.h if n.right else empty))
        return n

    return rec(0, len(items), 0) if items else None


def root_hash(t, H):
    return t.h if t else H(b"")


# ---------------------------------------------------------------------------- regions (§3)


def region_start(bits):
    return pack_bits(bits)


def region_end(bits):
    """None when the region runs to the end of the key space."""
    b = bits.rstrip("1")
    if not b:
        return None
    return pack_bits(b[:-1] + "1")


def contains(k, lo, hi):
    return k >= lo and (hi is None or k < hi)


def overlaps(bits, lo, hi):
    e = region_end(bits)
    return (hi is None or region_start(bits) < hi) and (e is None or e > lo)


def covers(bits, lo, hi):
    if region_start(bits) < lo:
        return False
    if hi is None:
        return True
    e = region_end(bits)
    return e is not None and e <= hi


def boundary(a, b):
    """§3 step 3: the shortest prefix of b that is not a prefix of a, zero-padded."""
    ab, bb = key_bits(a), key_bits(b)
    n = lcp(ab, bb) + 1 + (1 if "boundary+1" in MUT else 0)
    return pack_bits(bb[:n])


# ---------------------------------------------------------------------------- H's proof (§9)


def proof(t, lo, hi):
    """H's canonical proof for [lo, hi): ('leaf', path, key, value) | ('stub'|'lstub', path, hash),
    in key order."""
    out = []
    if t is None:
        return out
    if t.is_leaf:
        inside = contains(t.key, lo, hi) and "root-leaf-whole" not in MUT
        return [] if inside else [("leaf", t.path, t.key, t.value)]
    if covers(t.path, lo, hi):
        return out

    def open_(n):
        if n.slot is not None and (not contains(n.slot.key, lo, hi) or "slot-stub-inside" in MUT):
            out.append(("lstub", n.path, n.slot.h))
        for bit, c in (("0", n.left), ("1", n.right)):
            if c is None:
                continue
            edge = n.path + bit
            if not overlaps(c.path if "stub-by-child-path" in MUT else edge, lo, hi):
                out.append(("stub", edge, c.h))
            elif c.is_leaf:
                if not contains(c.key, lo, hi):
                    out.append(("stub", edge, c.h) if "leaf-as-stub" in MUT else
                               ("leaf", c.path, c.key, c.value))
            elif not covers(c.path, lo, hi):
                open_(c)

    open_(t)
    return out


def changes_of(F, Hs):
    """The changes F -> H in key order: ('put', key, value) | ('del', key)."""
    out = []
    for k in sorted(set(F) | set(Hs)):
        if k in Hs:
            if k not in F or F[k] != Hs[k]:
                out.append(("put", k, Hs[k]))
        else:
            out.append(("del", k))
    return out


# ---------------------------------------------------------------------------- encoding (§3, §9)


def enc_header(lo, hi):
    out = struct.pack("<I", len(lo)) + lo
    return out + (b"\0" if hi is None else b"\1" + struct.pack("<I", len(hi)) + hi)


def enc_change(c):
    if c[0] == "put":
        return b"\4" + struct.pack("<I", len(c[1])) + c[1] + struct.pack("<I", len(c[2])) + c[2]
    return b"\5" + struct.pack("<I", len(c[1])) + c[1]


def enc_proof(items, prev):
    """Proof items front-coded from `prev` (a path); returns (bytes, last path)."""
    out = []
    for it in items:
        if it[0] == "leaf":
            k, v = it[2], it[3]
            out.append(b"\1" + struct.pack("<I", len(k)) + k + struct.pack("<I", len(v)) + v)
        else:
            path = it[1]
            assert MUT or (path > prev and not prev.startswith(path)), "proof out of order"
            shared = 0 if "no-front-coding" in MUT else lcp(prev, path)
            rest = path[shared:]
            out.append((b"\2" if it[0] == "stub" else b"\3") +
                       struct.pack("<HH", shared, len(rest)) + pack_bits(rest) + it[2])
        prev = it[1]
    return b"".join(out), prev


def split_proof(items, lo):
    left = [it for it in items if region_start(it[1]) < lo]
    right = [it for it in items if not region_start(it[1]) < lo]
    assert items == left + right
    return left, right


def chunk_parts(t, lo, hi, changes):
    """The delta chunk for [lo, hi) holding `changes` (all inside it), as
    (header, left proof bytes, change bytes, right proof bytes)."""
    left, right = split_proof(proof(t, lo, hi), lo)
    lb, prev = enc_proof(left, "")
    cb = b"".join(enc_change(c) for c in changes)
    if changes and "right-prev-proof" not in MUT:
        prev = key_bits(changes[-1][1])
    rb, _ = enc_proof(right, prev)
    return enc_header(lo, hi), lb, cb, rb


def chunk_bytes(t, lo, hi, changes):
    return b"".join(chunk_parts(t, lo, hi, changes))


def partition(t, changes, size):
    """§9's greedy partition: [(lo, hi, first change index, end index)]."""
    if "size-1" in MUT:
        size -= 1
    if "size+1" in MUT:
        size += 1
    if not changes:
        return [(b"", None, 0, 0)]
    n = len(changes)
    bounds = [None] + [boundary(changes[i - 1][1], changes[i][1]) for i in range(1, n)]
    cbytes = [len(enc_change(c)) for c in changes]
    out = []
    lo, a, csum = b"", 0, cbytes[0]
    for j in range(1, n):
        hi = bounds[j + 1] if j + 1 < n else None
        h, lb, _, rb = chunk_parts(t, lo, hi, [changes[j]])  # proof bytes; change bytes summed
        if len(h) + len(lb) + csum + cbytes[j] + len(rb) > size:
            out.append((lo, bounds[j], a, j))
            lo, a, csum = bounds[j], j, cbytes[j]
        else:
            csum += cbytes[j]
    out.append((lo, None, a, n))
    return out


# ---------------------------------------------------------------------------- reading the tool's


def decode(c):
    """A delta chunk's canonical bytes -> (lo, hi, items) with items as the model spells them."""
    p = 0

    def take(n):
        nonlocal p
        if p + n > len(c):
            raise ValueError("truncated at byte %d" % p)
        v = c[p:p + n]
        p += n
        return v

    u32 = lambda: struct.unpack("<I", take(4))[0]
    lo = take(u32())
    has_hi = take(1)[0]
    if has_hi not in (0, 1):
        raise ValueError("has_hi %d" % has_hi)
    hi = take(u32()) if has_hi else None
    items, prev = [], ""
    while p < len(c):
        tag = take(1)[0]
        if tag in (1, 4):
            k = take(u32())
            v = take(u32())
            items.append(("leaf", key_bits(k), k, v) if tag == 1 else ("put", k, v))
            prev = key_bits(k)
        elif tag == 5:
            k = take(u32())
            items.append(("del", k))
            prev = key_bits(k)
        elif tag in (2, 3):
            shared, rest = struct.unpack("<HH", take(4))
            path = prev[:shared] + key_bits(take((rest + 7) // 8))[:rest]
            items.append(("stub" if tag == 2 else "lstub", path, take(32)))
            prev = path
        else:
            raise ValueError("tag %d at byte %d" % (tag, p - 1))
    return lo, hi, items


def read_dump(path):
    kv = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            assert w[0] == "put" and len(w) in (2, 3), line
            kv[bytes.fromhex(w[1])] = bytes.fromhex(w[2]) if len(w) == 3 else b""
    return kv


def read_chunks(d, m):
    """The chunks' canonical bytes: each file's frame through one `zstd -d` run (concatenated
    frames decode to the concatenated contents), split by the manifest's raw sizes (a wrong
    split shows as a wrong digest)."""
    frames = []
    for i, e in enumerate(m["chunks"]):
        with open(os.path.join(d, "chunks", "%08d.chunk" % i), "rb") as f:
            b = f.read()
        if b[:8] != b"CKPTCHNK" or struct.unpack("<I", b[8:12])[0] != m["format_version"]:
            raise ValueError("chunk %d: not a format %d chunk file" % (i, m["format_version"]))
        frames.append(b[12:])
    raw = subprocess.run(["zstd", "-d", "-q", "-c"], input=b"".join(frames),
                         stdout=subprocess.PIPE, check=True).stdout
    out, p = [], 0
    for e in m["chunks"]:
        out.append(raw[p:p + e["raw_size"]])
        p += e["raw_size"]
    if p != len(raw):
        raise ValueError("the chunk files hold %d bytes, the manifest's raw sizes %d" % (len(raw), p))
    return out


def show(it):
    if it is None:
        return "(none)"
    if it[0] in ("stub", "lstub"):
        return "%s path=%s(%d bits) hash=%s" % (it[0], pack_bits(it[1]).hex(), len(it[1]), it[2].hex()[:16])
    if it[0] == "leaf":
        return "leaf key=%s vlen=%d" % (it[2].hex(), len(it[3]))
    return "%s key=%s%s" % (it[0], it[1].hex(), " vlen=%d" % len(it[2]) if it[0] == "put" else "")


def explain(tool, model):
    """Where two delta chunks differ, in words."""
    try:
        tl, th, ti = decode(tool)
        ml, mh, mi = decode(model)
    except ValueError as e:
        return "undecodable (%s)" % e
    if (tl, th) != (ml, mh):
        return "interval [%s, %s) vs the model's [%s, %s)" % (
            tl.hex(), th.hex() if th is not None else "end", ml.hex(), mh.hex() if mh is not None else "end")
    for j in range(max(len(ti), len(mi))):
        a = ti[j] if j < len(ti) else None
        b = mi[j] if j < len(mi) else None
        if a != b:
            return "item %d: tool %s, model %s" % (j, show(a), show(b))
    p = next((i for i in range(min(len(tool), len(model))) if tool[i] != model[i]), min(len(tool), len(model)))
    return "same items, different bytes from offset %d (front-coding?)" % p


# ---------------------------------------------------------------------------- check


def compare(m, canons, t, changes, quiet):
    """Problems (strings) between the tool's chunks and the model's."""
    problems = []
    say = (lambda s: None) if quiet else (lambda s: print("MISMATCH: " + s, file=sys.stderr))

    def bad(s):
        problems.append(s)
        say(s)

    keys = [c[1] for c in changes]
    ivs = []
    for i, c in enumerate(canons):
        try:
            lo, hi, _ = decode(c)
        except ValueError as e:
            bad("chunk %d does not decode: %s" % (i, e))
            return problems
        ivs.append((lo, hi))
        if lo.hex() != m["chunks"][i]["lo"]:
            bad("chunk %d: lo %s, the manifest says %s" % (i, lo.hex(), m["chunks"][i]["lo"]))
        want_hi = ivs[i][1]
        if (i + 1 < len(canons)) != (want_hi is not None):
            bad("chunk %d: has_hi is wrong for its place" % i)
        if i == 0 and lo != b"":
            bad("chunk 0 does not start at the empty key")
        if i > 0 and ivs[i - 1][1] != lo:
            bad("chunk %d: lo %s is not chunk %d's hi" % (i, lo.hex(), i - 1))
        inside = [ch for ch in changes if contains(ch[1], lo, hi)]
        # (a) the canonical bytes of this interval.
        want = chunk_bytes(t, lo, hi, inside)
        if c != want:
            bad("chunk %d [%s, %s): %s" % (i, lo.hex(), hi.hex() if hi is not None else "end",
                                            explain(c, want)))
        if m["chunks"][i]["leaves"] != len(inside):
            bad("chunk %d: the manifest counts %d changes, the interval holds %d" %
                (i, m["chunks"][i]["leaves"], len(inside)))
    # (b) the partition.
    model = partition(t, changes, m["chunk_size"])
    mivs = [(lo, hi) for lo, hi, _, _ in model]
    if mivs != ivs:
        j = next((k for k in range(min(len(ivs), len(mivs))) if ivs[k] != mivs[k]), min(len(ivs), len(mivs)))
        fmt = lambda iv: "[%s, %s)" % (iv[0].hex(), iv[1].hex() if iv[1] is not None else "end") if iv else "(none)"
        bad("partition: %d chunks, the model's greedy rule makes %d; first difference at chunk %d: "
            "tool %s, model %s" % (len(ivs), len(mivs), j, fmt(ivs[j] if j < len(ivs) else None),
                                   fmt(mivs[j] if j < len(mivs) else None)))
    else:
        for k, (lo, hi, a, b) in enumerate(model):
            if chunk_bytes(t, lo, hi, changes[a:b]) != canons[k]:
                bad("partition: chunk %d's bytes differ from the model's" % k)
                break
    return problems


def cmd_check(args):
    with open(os.path.join(args.ckpt, "manifest.json"), "rb") as f:
        mbytes = f.read()
    m = json.loads(mbytes)
    H = hasher(m["hash"])
    F, Hs = read_dump(args.base_dump), read_dump(args.dump)
    tF, tH = build(F, H), build(Hs, H)
    changes = changes_of(F, Hs)
    problems = []
    if m.get("format_version") != 2 or "base" not in m:
        problems.append("not a delta manifest (format_version 2 with a base)")
    else:
        if m["base"]["root"] != root_hash(tF, H).hex():
            problems.append("base root %s, the model's F root %s" % (m["base"]["root"], root_hash(tF, H).hex()))
        if m["root"] != root_hash(tH, H).hex():
            problems.append("root %s, the model's H root %s" % (m["root"], root_hash(tH, H).hex()))
    if m["leaves"] != len(changes):
        problems.append("the manifest counts %d changes, the model %d" % (m["leaves"], len(changes)))
    for p in problems:
        print("MISMATCH: " + p, file=sys.stderr)
    canons = read_chunks(args.ckpt, m)
    for i, c in enumerate(canons):
        e = m["chunks"][i]
        if hashlib.sha256(c).hexdigest() != e["digest"] or len(c) != e["raw_size"]:
            problems.append("chunk %d: digest or raw size differs from the manifest" % i)
            print("MISMATCH: " + problems[-1], file=sys.stderr)
    try:
        problems += compare(m, canons, tH, changes, quiet=False)
    except AssertionError as e:  # the model cannot spell what it computed: its own error
        problems.append("the model fails its own check: %s" % e)
        print("MISMATCH: " + problems[-1], file=sys.stderr)

    counts = {"chunks": len(canons), "changes": len(changes), "max_raw": max(len(c) for c in canons)}
    for c in canons:
        try:
            for it in decode(c)[2]:
                counts[it[0]] = counts.get(it[0], 0) + 1
        except ValueError:
            pass
    counts["ok"] = not problems
    print(json.dumps(counts, sort_keys=True))
    if args.mutants and not problems:
        for name in MUTANTS:
            MUT.clear()
            MUT.add(name)
            killed = bool(compare(m, canons, tH, changes, quiet=True))
            MUT.clear()
            print("mutant %s %s" % (name, "killed" if killed else "survived"))
    return 0 if not problems else 1


def cmd_edge_size(args):
    F, Hs = read_dump(args.base_dump), read_dump(args.dump)
    H = hasher(args.hash)
    t = build(Hs, H)
    changes = changes_of(F, Hs)
    n = len(changes)
    for k in range(1, n):
        hi = boundary(changes[k][1], changes[k + 1][1]) if k + 1 < n else None
        s = len(chunk_bytes(t, b"", hi, changes[:k + 1]))
        if s < args.min:
            continue
        if partition(t, changes, s) != partition(t, changes, s - 1):
            print(s)
            return 0
    print("no chunk size at the edge (%d changes)" % n, file=sys.stderr)
    return 1


# ---------------------------------------------------------------------------- prefix-heavy logs


def gen_logs(seed, out):
    """h1: ~300 keys over a small alphabet (chains of prefix keys, shared prefixes, a few large
    values); h2: updates, deletes and inserts; h3: everything deleted; h4: new keys into the
    empty state; h5: one key more; h6: all but one key deleted; h7: that key's new value; h8: a
    second key."""
    rng = random.Random(seed)
    alph = [0x00, 0x01, 0x61, 0x62, 0x7f, 0x80, 0xfe, 0xff]

    def rkey():
        k = bytes(rng.choice(alph) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.2:  # a long key under a shared prefix: long labels
            k = b"\x61\x62" * 8 + k
        return k

    def rval():
        r = rng.random()
        n = 0 if r < 0.1 else rng.randint(1, 40) if r < 0.9 else rng.randint(300, 900)
        return bytes(rng.randrange(256) for _ in range(n))

    def log(lines, name):
        with open(os.path.join(out, name), "w") as f:
            f.write("".join(lines) or "del 00\n")  # an empty log still commits a height

    put = lambda k, v: "put %s %s\n" % (k.hex(), v.hex())
    h1 = {}
    while len(h1) < 300:
        h1[rkey()] = rval()
    log([put(k, v) for k, v in sorted(h1.items())], "h1.log")
    keys = sorted(h1)
    l2 = []
    for k in rng.sample(keys, 60):
        l2.append(put(k, rval()))
    for k in rng.sample(keys, 45):
        l2.append("del %s\n" % k.hex())
    for _ in range(50):
        l2.append(put(rkey(), rval()))
    log(l2, "h2.log")
    h2 = dict(h1)  # h2's keys, for h3: replay the log
    for line in l2:
        w = line.split()
        if w[0] == "del":
            h2.pop(bytes.fromhex(w[1]), None)
        else:
            h2[bytes.fromhex(w[1])] = bytes.fromhex(w[2]) if len(w) > 2 else b""
    log(["del %s\n" % k.hex() for k in sorted(h2)], "h3.log")
    h4 = {}
    while len(h4) < 120:
        h4[rkey()] = rval()
    log([put(k, v) for k, v in sorted(h4.items())], "h4.log")
    k = rkey()
    while k in h4:
        k = rkey()
    log([put(k, rval())], "h5.log")
    h5 = dict(h4)
    h5[k] = rval()
    one = rng.choice(sorted(h5))
    log(["del %s\n" % x.hex() for x in sorted(h5) if x != one], "h6.log")  # H is one leaf
    log([put(one, rval() + b"!")], "h7.log")  # the one leaf's new value
    k = rkey()
    while k == one:
        k = rkey()
    log([put(k, rval())], "h8.log")  # two keys
    return 0


# ---------------------------------------------------------------------------- self-test


def cmd_selftest(_args):
    """FORMAT.md §1: the worked example and the root vectors (sha256, sha512_256)."""
    vec = [
        ({}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"),
        ({b"a": b"b"}, "51c24b0cf18c37847ab4cf38851da55be19ef7ed03bbbe6841fc065d5d97432b",
         "5358b4c3a2d06b406c4d5d6127bd19bfd30847418390a4fb92532879718b3d76"),
        ({b"a": b"1", b"ab": b"2", b"abc": b"3", b"b": b"4"},
         "3557e946e171972fd41cd6709bd74ea92c1c8ec742b19f605c828f1a876840b9",
         "ae58f2d9876563631cc58f0c0d0ac9d2b5682e853bfe510e12332276cd16fc72"),
        ({b"\0": b"", b"\0\0": b"x", b"\x80": b"y", b"\xff": b"z"},
         "8fb79c4ad3b03b3d7026b0b2dbe3ddc7afe74caf4bb04c808d10d21826ed181e",
         "a8cc1077a784d5d46bc9161246167cfe0710bedb9e6b0ae6a5d78bd34944a23b"),
    ]
    bad = 0
    for kv, s256, s512 in vec:
        for name, want in (("sha256", s256), ("sha512_256", s512)):
            H = hasher(name)
            got = root_hash(build(kv, H), H).hex()
            if got != want:
                print("selftest: %s %r: %s, want %s" % (name, sorted(kv), got, want), file=sys.stderr)
                bad += 1
    kv = {("key %d" % i).encode(): ("value %d" % i).encode() for i in range(1000)}
    H = hasher("sha512_256")
    if root_hash(build(kv, H), H).hex() != "2187c55627819b60069888ba86f83dc2a9f50c827624b0e31e31261806300ede":
        print("selftest: oasis-core's key 0..999 root differs", file=sys.stderr)
        bad += 1
    # Regions and boundaries (§3).
    assert region_end("0") == b"\x80" and region_end("1") is None and region_end("") is None
    assert region_end("01") == b"\x80" and region_end("0110") == b"\x70"
    assert boundary(b"a", b"ab") == b"\x61\x00" and boundary(b"a", b"b") == b"\x62"
    print("selftest: %s" % ("ok" if not bad else "%d failures" % bad))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--base-dump", required=True)
    c.add_argument("--dump", required=True)
    c.add_argument("--ckpt", required=True)
    c.add_argument("--mutants", action="store_true")
    e = sub.add_parser("edge-size")
    e.add_argument("--base-dump", required=True)
    e.add_argument("--dump", required=True)
    e.add_argument("--hash", default="sha256")
    e.add_argument("--min", type=int, default=1024)
    g = sub.add_parser("gen-logs")
    g.add_argument("--seed", type=int, required=True)
    g.add_argument("--out", required=True)
    sub.add_parser("selftest")
    a = ap.parse_args()
    if a.cmd == "check":
        return cmd_check(a)
    if a.cmd == "edge-size":
        return cmd_edge_size(a)
    if a.cmd == "gen-logs":
        return gen_logs(a.seed, a.out)
    return cmd_selftest(a)


if __name__ == "__main__":
    sys.exit(main())
