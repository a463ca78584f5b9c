// Reference chunk verifier: see ref_verifier.h. Structure, following FORMAT.md §3:
//   Decode()   step 1 (strict decoding, front-coding, path order) into a list of items;
//   CheckItem  steps 2, 4 and 5, one item at a time;
//   Fold()     steps 3 and 6: rebuild the trie of the items with §1's shape, recursively,
//              and hash it.
//
// Recursion depth: Fold recurses once per trie level, and a chain of one-bit labels can be
// ~65528 levels deep (keys up to 8191 bytes). Rather than rewrite it iteratively, Fold runs on
// a pthread created with a 512 MiB stack (pthread_attr_setstacksize), see OnBigStack().
#include "ref_verifier.h"

#include <openssl/evp.h>
#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>

namespace refv {
namespace {

constexpr uint32_t kMaxBoundBytes = 8192;       // len(lo), len(hi)
constexpr uint32_t kMaxKeyBytes = 8191;         // keys are 1..8191 bytes
constexpr uint32_t kMaxValueBytes = 64u << 20;  // values 0..64 MiB
constexpr uint32_t kMaxPathBits = 65528;        // shared + rest

// ---- §1 hashing --------------------------------------------------------------------------

const EVP_MD* Md(const std::string& hash) {
  if (hash == "sha256") return EVP_sha256();
  if (hash == "sha512_256") return EVP_sha512_256();
  throw std::invalid_argument("refv: unknown hash " + hash);
}

std::string Digest(const EVP_MD* md, std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx, md, nullptr) == 1;
  for (std::string_view p : parts) ok = ok && EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, out, &n) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || n != 32) throw std::runtime_error("refv: digest failed");
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string Le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

std::string LeafHash(const EVP_MD* md, std::string_view key, std::string_view value) {
  return Digest(md,
                {std::string_view("\x00", 1), Le(key.size(), 4), key, Le(value.size(), 4), value});
}

// ---- Paths: bit strings, most significant bit first, zero-padded to whole bytes ------------

struct Path {
  std::string bytes;  // ceil(bits/8) bytes, unused low bits zero
  uint32_t bits = 0;
};

int Bit(const Path& p, uint32_t i) {
  return (static_cast<uint8_t>(p.bytes[i / 8]) >> (7 - i % 8)) & 1;
}

Path KeyPath(std::string_view key) {
  return Path{std::string(key), static_cast<uint32_t>(8 * key.size())};
}

void SetBit(Path* p, uint32_t i) {
  p->bytes[i / 8] = static_cast<char>(static_cast<uint8_t>(p->bytes[i / 8]) | (0x80u >> (i % 8)));
}

// The first n bits of p (n <= p.bits), unused low bits zeroed.
Path Prefix(const Path& p, uint32_t n) {
  Path out{p.bytes.substr(0, (n + 7) / 8), n};
  if (n % 8 != 0)
    out.bytes.back() =
        static_cast<char>(static_cast<uint8_t>(out.bytes.back()) & ~(0xffu >> (n % 8)));
  return out;
}

// Length of the common prefix of a and b, given that they agree on their first `from` bits.
uint32_t CommonPrefix(const Path& a, const Path& b, uint32_t from = 0) {
  uint32_t limit = std::min(a.bits, b.bits);
  for (uint32_t i = from / 8 * 8; i < limit; i += 8) {
    uint8_t x = static_cast<uint8_t>(a.bytes[i / 8]) ^ static_cast<uint8_t>(b.bytes[i / 8]);
    if (x != 0) return std::min(limit, i + static_cast<uint32_t>(__builtin_clz(x) - 24));
  }
  return limit;
}

// Bit-string order, a prefix first.
bool PathLess(const Path& a, const Path& b) {
  uint32_t c = CommonPrefix(a, b);
  if (c == a.bits || c == b.bits) return a.bits < b.bits;
  return Bit(a, c) < Bit(b, c);
}

// Bits [from, to) of p, re-aligned to start at the most significant bit (a §1 label).
std::string Label(const Path& p, uint32_t from, uint32_t to) {
  std::string out((to - from + 7) / 8, '\0');
  for (uint32_t i = 0; i < to - from; ++i)
    if (Bit(p, from + i))
      out[i / 8] = static_cast<char>(static_cast<uint8_t>(out[i / 8]) | (0x80u >> (i % 8)));
  return out;
}

// The region [start(P), end(P)) overlaps [lo, hi)? (§3 "Words".)
bool Overlaps(const Path& p, const RefResult& iv) {
  const std::string& start = p.bytes;
  bool start_below_hi = !iv.has_hi || start < iv.hi;
  // end(P): drop trailing 1 bits, set the last 0 bit, zero-pad; none if P is all ones or empty.
  int64_t j = static_cast<int64_t>(p.bits) - 1;
  while (j >= 0 && Bit(p, static_cast<uint32_t>(j)) == 1) --j;
  bool lo_below_end = true;
  if (j >= 0) {
    std::string end = p.bytes.substr(0, static_cast<size_t>(j / 8 + 1));
    uint8_t last = static_cast<uint8_t>(end.back());
    last = static_cast<uint8_t>((last & ~(0xffu >> (j % 8 + 1))) | (0x80u >> (j % 8)));
    end.back() = static_cast<char>(last);
    lo_below_end = iv.lo < end;
  }
  return start_below_hi && lo_below_end;
}

// ---- Step 1: decoding ----------------------------------------------------------------------

enum class Kind { kLeaf, kSubtreeStub, kSlotLeafStub };

struct Item {
  Kind kind;
  Path path;                    // leaf: its key; subtree stub: its region; slot-leaf stub: its key
  std::string_view key, value;  // leaves only
  std::string hash;             // stubs only
};

struct Reader {
  std::string_view data;
  size_t pos = 0;
  bool Has(size_t n) const { return data.size() - pos >= n; }
  bool Uint(int bytes, uint64_t* v) {
    if (!Has(bytes)) return false;
    *v = 0;
    for (int i = 0; i < bytes; ++i) *v |= uint64_t{static_cast<uint8_t>(data[pos + i])} << (8 * i);
    pos += bytes;
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (!Has(n)) return false;
    *out = data.substr(pos, n);
    pos += n;
    return true;
  }
};

// Decodes the header into *res and the items into *items; returns "" or the reason.
std::string Decode(std::string_view canonical, RefResult* res, std::vector<Item>* items) {
  Reader r{canonical};
  uint64_t n = 0, has_hi = 0;
  std::string_view s;
  if (!r.Uint(4, &n) || n > kMaxBoundBytes || !r.Bytes(n, &s)) return "step 1: bad lo";
  res->lo = std::string(s);
  if (!r.Uint(1, &has_hi) || has_hi > 1) return "step 1: has_hi is not 0 or 1";
  res->has_hi = has_hi == 1;
  if (res->has_hi) {
    if (!r.Uint(4, &n) || n > kMaxBoundBytes || !r.Bytes(n, &s)) return "step 1: bad hi";
    res->hi = std::string(s);
    if (!(res->lo < res->hi)) return "step 1: lo >= hi";
  }
  Path prev;  // empty for the first item
  while (r.pos < canonical.size()) {
    uint64_t tag = 0;
    r.Uint(1, &tag);
    Item it;
    if (tag == 1) {
      uint64_t klen = 0, vlen = 0;
      if (!r.Uint(4, &klen) || klen < 1 || klen > kMaxKeyBytes || !r.Bytes(klen, &it.key))
        return "step 1: bad leaf key";
      if (!r.Uint(4, &vlen) || vlen > kMaxValueBytes || !r.Bytes(vlen, &it.value))
        return "step 1: bad leaf value";
      it.kind = Kind::kLeaf;
      it.path = KeyPath(it.key);
    } else if (tag == 2 || tag == 3) {
      uint64_t shared = 0, rest = 0;
      std::string_view rest_bytes, hash;
      if (!r.Uint(2, &shared) || !r.Uint(2, &rest)) return "step 1: truncated stub";
      if (rest < 1) return "step 1: stub rest is 0";
      if (shared > prev.bits) return "step 1: stub shared exceeds the previous path";
      if (shared + rest > kMaxPathBits) return "step 1: stub path too long";
      if (!r.Bytes((rest + 7) / 8, &rest_bytes) || !r.Bytes(32, &hash))
        return "step 1: truncated stub";
      if (rest % 8 != 0 && (static_cast<uint8_t>(rest_bytes.back()) & (0xffu >> (rest % 8))) != 0)
        return "step 1: stub rest has nonzero unused bits";
      Path rest_path{std::string(rest_bytes), static_cast<uint32_t>(rest)};
      // The path: the first `shared` bits of prev, then the `rest` bits.
      it.path = Prefix(prev, static_cast<uint32_t>(shared));
      it.path.bits = static_cast<uint32_t>(shared + rest);
      it.path.bytes.resize((it.path.bits + 7) / 8, '\0');
      for (uint32_t i = 0; i < rest; ++i)
        if (Bit(rest_path, i)) SetBit(&it.path, static_cast<uint32_t>(shared + i));
      if (shared < prev.bits && Bit(prev, static_cast<uint32_t>(shared)) == Bit(rest_path, 0))
        return "step 1: stub shared is not the exact common prefix";
      it.kind = tag == 2 ? Kind::kSubtreeStub : Kind::kSlotLeafStub;
      if (it.kind == Kind::kSlotLeafStub && it.path.bits % 8 != 0)
        return "step 1: slot-leaf stub path is not whole bytes";
      it.hash = std::string(hash);
    } else {
      return "step 1: bad item tag " + std::to_string(tag) + " (or bytes after the last item)";
    }
    if (!items->empty() && !PathLess(prev, it.path))
      return "step 3: items not in strictly increasing path order";
    prev = it.path;
    items->push_back(std::move(it));
  }
  return "";
}

// ---- Steps 2, 4, 5: each item on its own ---------------------------------------------------

std::string CheckItem(const Item& it, const RefResult& iv, const std::string& empty_hash) {
  auto in_interval = [&](const std::string& k) { return iv.lo <= k && (!iv.has_hi || k < iv.hi); };
  switch (it.kind) {
    case Kind::kLeaf:
      return in_interval(std::string(it.key)) ? "" : "step 2: leaf key outside [lo, hi)";
    case Kind::kSlotLeafStub:
      if (in_interval(it.path.bytes)) return "step 2: slot-leaf stub key inside [lo, hi)";
      if (it.hash == empty_hash) return "step 4: stub of H(\"\")";
      // Parent path = the key itself.
      if (!Overlaps(it.path, iv)) return "step 5: slot-leaf stub is not maximal";
      return "";
    case Kind::kSubtreeStub: {
      if (Overlaps(it.path, iv)) return "step 2: subtree stub region overlaps [lo, hi)";
      if (it.hash == empty_hash) return "step 4: stub of H(\"\")";
      // Parent path = the region without its last bit.
      if (!Overlaps(Prefix(it.path, it.path.bits - 1), iv))
        return "step 5: subtree stub is not maximal";
      return "";
    }
  }
  return "unreachable";
}

// ---- Steps 3 and 6: rebuild with §1's shape and hash ---------------------------------------

struct Folder {
  const EVP_MD* md;
  const std::vector<Item>& items;
  std::string empty;  // H("")
  std::string error;  // first shape error

  std::string Fail(const char* why) {
    error = why;
    return "";
  }

  std::string ItemHash(const Item& it) const {
    return it.kind == Kind::kLeaf ? LeafHash(md, it.key, it.value) : it.hash;
  }

  // Hash of the trie of items [b, e) (non-empty, sorted, sharing at least `from` bits). The
  // root when is_root (its label starts at bit 0); otherwise a child of a node of depth `from`
  // (its label starts at bit `from`, the branch bit). Sets error and returns "" on a bad shape.
  std::string Fold(size_t b, size_t e, uint32_t from, bool is_root) {
    if (e - b == 1) {  // one item: a leaf, or a stub standing for a finished node
      const Item& it = items[b];
      if (it.kind == Kind::kLeaf) return ItemHash(it);
      if (is_root) return Fail("step 3: a stub is the whole trie");
      if (it.kind == Kind::kSlotLeafStub) return Fail("step 3: slot-leaf stub used as a child");
      if (it.path.bits != from + 1)
        return Fail("step 3: subtree stub is not a child of a node of depth |region|-1");
      return it.hash;
    }
    // Two or more items: an internal node whose path is their longest common prefix (for sorted
    // paths, that of the first and last).
    uint32_t depth = CommonPrefix(items[b].path, items[e - 1].path, from);
    std::string slot = empty;
    size_t i = b;
    if (items[b].path.bits == depth) {  // only the first can equal the node path
      if (items[b].kind == Kind::kSubtreeStub)
        return Fail("step 3: items inside a subtree stub's region");
      slot = ItemHash(items[b]);
      ++i;
    }
    // The rest are all longer than depth; left (bit depth = 0) come first.
    size_t mid = std::partition_point(items.begin() + i, items.begin() + e,
                                      [&](const Item& it) { return Bit(it.path, depth) == 0; }) -
                 items.begin();
    std::string left = i < mid ? Fold(i, mid, depth, false) : empty;
    if (!error.empty()) return "";
    std::string right = mid < e ? Fold(mid, e, depth, false) : empty;
    if (!error.empty()) return "";
    return Digest(md, {std::string_view("\x01", 1), Le(depth - from, 2),
                       Label(items[b].path, from, depth), slot, left, right});
  }

  std::string Root() { return items.empty() ? empty : Fold(0, items.size(), 0, true); }
};

// Runs fn on a thread with a 512 MiB stack (Fold's recursion can be ~65k levels deep).
void OnBigStack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{512} << 20);
  auto run = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  pthread_t t;
  int rc = pthread_create(&t, &attr, run, const_cast<std::function<void()>*>(&fn));
  pthread_attr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("refv: cannot start the big-stack thread");
  pthread_join(t, nullptr);
}

// Folds on the big stack; exceptions (e.g. from OpenSSL failures) are carried back.
std::string FoldRoot(Folder& f) {
  std::string root;
  std::exception_ptr ex;
  OnBigStack([&] {
    try {
      root = f.Root();
    } catch (...) {
      ex = std::current_exception();
    }
  });
  if (ex) std::rethrow_exception(ex);
  return root;
}

}  // namespace

std::string RefHash(const std::string& hash, std::string_view data) {
  return Digest(Md(hash), {data});
}

std::string RefLeafHash(const std::string& hash, std::string_view key, std::string_view value) {
  return LeafHash(Md(hash), key, value);
}

std::string RefTrieRoot(const std::string& hash,
                        std::vector<std::pair<std::string, std::string>> kvs) {
  std::sort(kvs.begin(), kvs.end());  // byte order of distinct keys = path order
  std::vector<Item> items;
  for (const auto& [k, v] : kvs) items.push_back(Item{Kind::kLeaf, KeyPath(k), k, v, ""});
  Folder f{Md(hash), items, RefHash(hash, ""), ""};
  std::string root = FoldRoot(f);
  if (!f.error.empty()) throw std::invalid_argument("refv: " + f.error);
  return root;
}

RefResult RefVerifyChunk(std::string_view canonical, const std::string& hash,
                         std::string_view root) {
  const EVP_MD* md = Md(hash);
  if (root.size() != 32) throw std::invalid_argument("refv: root must be 32 bytes");
  RefResult res;
  std::vector<Item> items;
  res.reason = Decode(canonical, &res, &items);  // step 1 (and step 3's order rule)
  for (const Item& it : items)
    if (it.kind == Kind::kLeaf) res.leaves.emplace_back(it.key, it.value);
  if (!res.reason.empty()) return res;
  const std::string empty = Digest(md, {});
  for (const Item& it : items) {  // steps 2, 4, 5
    res.reason = CheckItem(it, res, empty);
    if (!res.reason.empty()) return res;
  }
  Folder f{md, items, empty, ""};  // steps 3 and 6
  std::string got = FoldRoot(f);
  if (!f.error.empty()) {
    res.reason = f.error;
    return res;
  }
  if (got != root) {
    res.reason = "step 6: the items fold to a different root";
    return res;
  }
  res.ok = true;
  return res;
}

}  // namespace refv
