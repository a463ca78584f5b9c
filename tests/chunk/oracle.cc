#include "oracle.h"

#include <algorithm>

#include "checkpoint/chunk.h"
#include "checkpoint/status.h"
#include "trie/node.h"

namespace checkpoint::oracle {
namespace {

void PutU32(std::string* d, uint32_t v) {
  for (int i = 0; i < 4; ++i) d->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU16(std::string* d, uint32_t v) {
  d->push_back(static_cast<char>(v & 0xff));
  d->push_back(static_cast<char>((v >> 8) & 0xff));
}

// The byte strings starting with `p`: [start, end), end absent when p has
// no 0 bit (empty or all ones).
std::string Start(const BitString& p) { return p.bytes; }
std::optional<std::string> End(const BitString& p) {
  uint32_t n = p.bits;
  while (n > 0 && p.Bit(n - 1)) --n;
  if (n == 0) return std::nullopt;
  BitString e = BitPrefix(p.bytes, n);
  e.bytes[(n - 1) / 8] = static_cast<char>(e.bytes[(n - 1) / 8] | (0x80 >> ((n - 1) % 8)));
  return e.bytes;
}

struct Interval {
  const std::string& lo;
  bool has_hi;
  const std::string& hi;
  bool Contains(const std::string& k) const { return k >= lo && (!has_hi || k < hi); }
  bool Overlaps(const BitString& p) const {
    const auto end = End(p);
    return (!has_hi || Start(p) < hi) && (!end || lo < *end);
  }
};

BitString Key(const std::string& k) { return BitString::FromKey(k); }

}  // namespace

Choices::Choices(const uint8_t* data, size_t size) : data_(data), size_(size) {
  uint64_t seed = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) seed = (seed ^ data[i]) * 1099511628211ull;
  rng_.seed(seed);
}

uint64_t Choices::Below(uint64_t n) {
  if (n <= 1) return 0;
  uint64_t v;
  if (size_ >= 2) {
    v = static_cast<uint64_t>(data_[0]) << 8 | data_[1];
    data_ += 2;
    size_ -= 2;
  } else {
    v = rng_();
  }
  return v % n;
}

std::string Encode(const Chunk& c) {
  std::string out;
  PutU32(&out, static_cast<uint32_t>(c.lo.size()));
  out += c.lo;
  out.push_back(c.has_hi ? 1 : 0);
  if (c.has_hi) {
    PutU32(&out, static_cast<uint32_t>(c.hi.size()));
    out += c.hi;
  }
  BitString prev;
  for (const Item& it : c.items) {
    if (it.kind == Item::kLeaf) {
      out.push_back(1);
      PutU32(&out, static_cast<uint32_t>(it.path.bytes.size()));
      out += it.path.bytes;
      PutU32(&out, static_cast<uint32_t>(it.value.size()));
      out += it.value;
    } else {
      out.push_back(it.kind == Item::kStub ? 2 : 3);
      const uint32_t shared = CommonPrefixBits(prev.bytes, prev.bits, it.path.bytes, it.path.bits);
      const BitString rest = BitSlice(it.path.bytes, shared, it.path.bits);
      PutU16(&out, shared);
      PutU16(&out, rest.bits);
      out += rest.bytes;
      out.append(reinterpret_cast<const char*>(it.hash.data()), it.hash.size());
    }
    prev = it.path;
  }
  return out;
}

TrueTrie::TrueTrie(HashKind kind, const Model& model) : kind_(kind), model_(model) {
  std::vector<std::pair<std::string, std::string>> kv(model.begin(), model.end());
  if (!kv.empty()) root_index_ = Build(kv, 0, kv.size(), 0);
  root_ = root_index_ < 0 ? EmptyHash(kind) : nodes_[root_index_].hash;
  for (size_t i = 0; i < nodes_.size(); ++i) by_hash_.emplace(nodes_[i].hash, static_cast<int>(i));
}

int TrueTrie::Build(const std::vector<std::pair<std::string, std::string>>& kv, size_t lo,
                    size_t hi, uint32_t depth) {
  Node n;
  if (hi - lo == 1) {
    n.leaf = true;
    n.path = Key(kv[lo].first);
    n.value = kv[lo].second;
    n.hash = LeafHash(kind_, kv[lo].first, kv[lo].second);
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size() - 1);
  }
  const std::string& first = kv[lo].first;
  const std::string& last = kv[hi - 1].first;
  const uint32_t lcp = CommonPrefixBits(first, static_cast<uint32_t>(first.size() * 8), last,
                                        static_cast<uint32_t>(last.size() * 8));
  n.path = BitPrefix(first, lcp);
  size_t i = lo;
  if (first.size() * 8 == lcp) n.slot = Build(kv, i, i + 1, lcp), ++i;
  size_t split = i;
  while (split < hi && !BitAt(kv[split].first, lcp)) ++split;
  if (split > i) n.left = Build(kv, i, split, lcp);
  if (hi > split) n.right = Build(kv, split, hi, lcp);
  const Hash empty = EmptyHash(kind_);
  auto h = [&](int c) { return c < 0 ? empty : nodes_[c].hash; };
  n.hash = InternalHash(kind_, BitSlice(first, depth, lcp), h(n.slot), h(n.left), h(n.right));
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size() - 1);
}

int TrueTrie::Find(const Hash& h) const {
  auto it = by_hash_.find(h);
  return it == by_hash_.end() ? -1 : it->second;
}

bool TrueTrie::Emit(int index, const BitString& position, const std::string& lo, bool has_hi,
                    const std::string& hi, std::vector<Item>* out) const {
  const Interval iv{lo, has_hi, hi};
  const Node& n = nodes_[index];
  if (!iv.Overlaps(position)) {
    out->push_back({Item::kStub, position, {}, n.hash});
    return true;
  }
  if (n.leaf) {
    if (!iv.Contains(n.path.bytes)) return false;
    out->push_back({Item::kLeaf, n.path, n.value, {}});
    return true;
  }
  if (!iv.Overlaps(n.path)) return false;
  if (n.slot >= 0) {
    const Node& s = nodes_[n.slot];
    if (iv.Contains(s.path.bytes)) {
      out->push_back({Item::kLeaf, s.path, s.value, {}});
    } else {
      out->push_back({Item::kSlotStub, s.path, {}, s.hash});
    }
  }
  if (n.left >= 0 && !Emit(n.left, Extended(n.path, false), lo, has_hi, hi, out)) return false;
  if (n.right >= 0 && !Emit(n.right, Extended(n.path, true), lo, has_hi, hi, out)) return false;
  return true;
}

std::optional<Chunk> TrueTrie::Honest(const std::string& lo, bool has_hi,
                                      const std::string& hi) const {
  if (has_hi && !(lo < hi)) return std::nullopt;
  Chunk c{lo, has_hi, hi, {}};
  if (root_index_ >= 0 && !Emit(root_index_, BitString{}, lo, has_hi, hi, &c.items))
    return std::nullopt;
  return c;
}

Model TrueTrie::Truth(const std::string& lo, bool has_hi, const std::string& hi) const {
  Model out;
  for (auto it = model_.lower_bound(lo); it != model_.end() && (!has_hi || it->first < hi); ++it) {
    out.insert(*it);
  }
  return out;
}

Model RandomModel(Choices* c) {
  static const char kAlphabet[] = {'\x00', '\x01', '\x7f', '\x80', '\xfe', '\xff', 'a', 'b'};
  Model m;
  const uint64_t shape = c->Below(4);
  const uint64_t n = c->Below(shape == 0 ? 4 : 24);
  for (uint64_t i = 0; i < n; ++i) {
    std::string k;
    if (shape == 1 && !m.empty() && !c->OneIn(3)) {
      // Extend or trim an existing key: prefix chains and near neighbours.
      auto it = m.begin();
      std::advance(it, c->Below(m.size()));
      k = it->first;
      if (c->OneIn(2) || k.size() == 1) {
        k.push_back(kAlphabet[c->Below(sizeof(kAlphabet))]);
      } else {
        k.back() = static_cast<char>(k.back() ^ (1 << c->Below(8)));
      }
    } else {
      k.assign(1 + c->Below(shape == 2 ? 6 : 3), '\0');
      for (char& ch : k) ch = kAlphabet[c->Below(sizeof(kAlphabet))];
    }
    std::string v(c->Below(3) == 0 ? 0 : c->Below(6), '\0');
    for (char& ch : v) ch = static_cast<char>('0' + c->Below(10));
    m[k] = v;
  }
  return m;
}

namespace {

// The partition's boundary between neighbouring keys a < b (FORMAT.md §3):
// the shortest prefix of b that is not a prefix of a, zero-padded.
std::string HonestBoundary(const std::string& a, const std::string& b) {
  const uint32_t lcp = CommonPrefixBits(a, static_cast<uint32_t>(a.size() * 8), b,
                                        static_cast<uint32_t>(b.size() * 8));
  return BitPrefix(b, lcp + 1).bytes;
}

std::string RandomString(Choices* c) {
  static const char kBytes[] = {'\x00', '\x01', '\x40', '\x7f', '\x80', '\xff', 'a', 'b'};
  std::string s(c->Below(4), '\0');
  for (char& ch : s) ch = kBytes[c->Below(sizeof(kBytes))];
  return s;
}

std::string RandomBound(const TrueTrie& t, Choices* c) {
  const Model& m = t.model();
  if (m.size() >= 2 && !c->OneIn(4)) {
    const size_t i = 1 + c->Below(m.size() - 1);
    auto b = m.begin();
    std::advance(b, i);
    auto a = std::prev(b);
    switch (c->Below(4)) {
      case 0:
        return b->first;
      case 1:
        return a->first + std::string(1, '\0');
      default:
        return HonestBoundary(a->first, b->first);
    }
  }
  return RandomString(c);
}

const TrueTrie::Node* RandomNode(const TrueTrie& t, Choices* c) {
  if (t.nodes().empty()) return nullptr;
  return &t.nodes()[c->Below(t.nodes().size())];
}

Hash RandomHash(const TrueTrie& t, Choices* c) {
  switch (c->Below(6)) {
    case 0:
      return t.root();
    case 1:
      return EmptyHash(t.kind());
    case 2: {
      Hash h{};
      for (auto& b : h) b = static_cast<uint8_t>(c->Below(256));
      return h;
    }
    default: {
      const TrueTrie::Node* n = RandomNode(t, c);
      return n ? n->hash : t.root();
    }
  }
}

// A path near the ones the trie has: a node's path or position, a key, one
// bit more or less, a flipped bit.
BitString RandomPath(const TrueTrie& t, Choices* c) {
  const TrueTrie::Node* n = RandomNode(t, c);
  BitString p = n ? n->path : BitString::FromKey(RandomString(c));
  switch (c->Below(5)) {
    case 0:
      return Extended(p, c->OneIn(2));
    case 1:
      return p.bits > 1 ? BitPrefix(p.bytes, p.bits - 1) : p;
    case 2:
      if (p.bits > 0) {
        const uint32_t i = static_cast<uint32_t>(c->Below(p.bits));
        p.bytes[i / 8] = static_cast<char>(p.bytes[i / 8] ^ (0x80 >> (i % 8)));
      }
      return p;
    default:
      return p;
  }
}

// The stub that stands for the true node `n` hanging below `parent_path`.
Item StubFor(const TrueTrie::Node& n, const BitString& position) {
  return {Item::kStub, position, {}, n.hash};
}

void MutateOnce(const TrueTrie& t, Choices* c, Chunk* ch) {
  std::vector<Item>& items = ch->items;
  const size_t n = items.size();
  const size_t i = c->Below(n);
  switch (c->Below(12)) {
    case 0:  // drop
      if (n) items.erase(items.begin() + i);
      break;
    case 1:  // duplicate
      if (n) items.insert(items.begin() + i, items[i]);
      break;
    case 2:  // move
      if (n >= 2) std::swap(items[i], items[c->Below(n)]);
      break;
    case 3: {  // re-kind, keeping the path and the hash it stands for
      if (!n) break;
      Item& it = items[i];
      if (it.kind == Item::kLeaf) {
        it.hash = LeafHash(t.kind(), it.path.bytes, it.value);
        it.kind = c->OneIn(2) ? Item::kSlotStub : Item::kStub;
      } else if (it.kind == Item::kStub) {
        it.kind = Item::kSlotStub;
        if (it.path.bits % 8 && c->OneIn(2))
          it.path = BitPrefix(it.path.bytes, it.path.bits / 8 * 8);
      } else {
        it.kind = Item::kStub;
      }
      break;
    }
    case 4: {  // merge a run into one stub of some true node
      if (!n) break;
      const size_t j = std::min(n - 1, i + c->Below(4));
      const uint32_t lcp = CommonPrefixBits(items[i].path.bytes, items[i].path.bits,
                                            items[j].path.bytes, items[j].path.bits);
      Item s;
      s.kind = c->OneIn(3) ? Item::kSlotStub : Item::kStub;
      s.path = c->OneIn(2) ? BitPrefix(items[i].path.bytes, std::min(lcp + 1, items[i].path.bits))
                           : RandomPath(t, c);
      if (s.kind == Item::kSlotStub) s.path = BitPrefix(s.path.bytes, s.path.bits / 8 * 8);
      s.hash = RandomHash(t, c);
      items.erase(items.begin() + i, items.begin() + j + 1);
      items.insert(items.begin() + i, std::move(s));
      break;
    }
    case 5: {  // split a stub into its true node's entries (finer than maximal)
      if (!n || items[i].kind == Item::kLeaf) break;
      const int idx = t.Find(items[i].hash);
      if (idx < 0 || t.nodes()[idx].leaf) break;
      const TrueTrie::Node& node = t.nodes()[idx];
      std::vector<Item> repl;
      if (node.slot >= 0)
        repl.push_back({Item::kSlotStub, t.nodes()[node.slot].path, {}, t.nodes()[node.slot].hash});
      if (node.left >= 0) repl.push_back(StubFor(t.nodes()[node.left], Extended(node.path, false)));
      if (node.right >= 0)
        repl.push_back(StubFor(t.nodes()[node.right], Extended(node.path, true)));
      items.erase(items.begin() + i);
      items.insert(items.begin() + i, repl.begin(), repl.end());
      break;
    }
    case 6: {  // expand a stub into every true leaf below it
      if (!n || items[i].kind == Item::kLeaf) break;
      const int idx = t.Find(items[i].hash);
      if (idx < 0) break;
      std::vector<Item> leaves;
      std::vector<int> todo{idx};
      while (!todo.empty()) {
        const TrueTrie::Node& node = t.nodes()[todo.back()];
        todo.pop_back();
        if (node.leaf) {
          leaves.push_back({Item::kLeaf, node.path, node.value, {}});
          continue;
        }
        for (int k : {node.right, node.left, node.slot}) {
          if (k >= 0) todo.push_back(k);
        }
      }
      items.erase(items.begin() + i);
      items.insert(items.begin() + i, leaves.begin(), leaves.end());
      break;
    }
    case 7:  // shift a boundary
      switch (c->Below(3)) {
        case 0:
          ch->lo = RandomBound(t, c);
          break;
        case 1:
          ch->hi = RandomBound(t, c), ch->has_hi = true;
          break;
        default:
          ch->has_hi = !ch->has_hi;
          break;
      }
      break;
    case 8:  // move a stub's path
      if (n && items[i].kind != Item::kLeaf) items[i].path = RandomPath(t, c);
      break;
    case 9:  // another hash
      if (n && items[i].kind != Item::kLeaf) items[i].hash = RandomHash(t, c);
      break;
    case 10: {  // insert a stub or a true leaf anywhere
      Item it;
      const TrueTrie::Node* node = RandomNode(t, c);
      if (node && node->leaf && c->OneIn(2)) {
        it = {Item::kLeaf, node->path, node->value, {}};
      } else {
        it.kind = c->OneIn(2) ? Item::kStub : Item::kSlotStub;
        it.path = RandomPath(t, c);
        if (it.kind == Item::kSlotStub) it.path = BitPrefix(it.path.bytes, it.path.bits / 8 * 8);
        it.hash = RandomHash(t, c);
      }
      if (it.path.bits == 0) break;
      items.insert(items.begin() + c->Below(n + 1), std::move(it));
      break;
    }
    default:  // a leaf's value
      if (n && items[i].kind == Item::kLeaf) items[i].value += "!";
      break;
  }
}

std::string Hex(std::string_view s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : s) out += {kDigits[ch >> 4], kDigits[ch & 15]};
  return out;
}

}  // namespace

void RandomInterval(const TrueTrie& t, Choices* c, std::string* lo, bool* has_hi, std::string* hi) {
  *lo = c->OneIn(3) ? std::string() : RandomBound(t, c);
  *has_hi = !c->OneIn(3);
  *hi = *has_hi ? RandomBound(t, c) : std::string();
  if (*has_hi && *hi < *lo) std::swap(*lo, *hi);
}

void Mutate(const TrueTrie& t, Choices* c, Chunk* chunk) {
  const uint64_t rounds = 1 + c->Below(4);
  for (uint64_t r = 0; r < rounds; ++r) MutateOnce(t, c, chunk);
}

Verdict ProductionVerifier(std::string_view bytes, HashKind kind, const Hash& root) {
  Verdict v;
  ChunkInfo info;
  Status s = VerifyChunk(bytes, kind, root, &info, [&](std::string_view k, std::string_view val) {
    v.leaves[std::string(k)] = std::string(val);
  });
  v.ok = s.ok();
  v.reason = s.message();
  v.lo = info.lo;
  v.has_hi = info.has_hi;
  v.hi = info.hi;
  return v;
}

std::string RunRound(Choices* c, const std::vector<Verifier>& verifiers, int forgeries,
                     Stats* stats) {
  const HashKind kind = c->OneIn(2) ? HashKind::kSha256 : HashKind::kSha512_256;
  const TrueTrie t(kind, RandomModel(c));
  for (int f = 0; f < forgeries; ++f) {
    std::string lo, hi;
    bool has_hi;
    RandomInterval(t, c, &lo, &has_hi, &hi);
    std::optional<Chunk> honest = t.Honest(lo, has_hi, hi);
    if (!honest) {
      ++stats->unencodable;
      // Nothing is valid here: forge from the nearest thing to it.
      Chunk near{lo, has_hi, hi, {}};
      for (const auto& [k, v] : t.Truth(lo, has_hi, hi))
        near.items.push_back({Item::kLeaf, BitString::FromKey(k), v, {}});
      honest = near;
    }
    Chunk chunk = *honest;
    const bool mutate = !c->OneIn(5);
    if (mutate) Mutate(t, c, &chunk);
    const std::string bytes = Encode(chunk);
    ++stats->runs;
    mutate ? ++stats->forged : ++stats->honest;
    bool first_ok = false;
    for (size_t v = 0; v < verifiers.size(); ++v) {
      const Verdict got = verifiers[v](bytes, kind, t.root());
      const std::string where = "verifier " + std::to_string(v) + ", chunk " + Hex(bytes) + ": ";
      if (v == 0) first_ok = got.ok;
      if (got.ok != first_ok) {
        return where + "verifiers disagree (" + (got.ok ? "accepted" : "rejected: " + got.reason) +
               ")";
      }
      if (!got.ok) {
        const auto canonical = t.Honest(lo, has_hi, hi);
        if (canonical && Encode(*canonical) == bytes)
          return where + "the honest chunk was rejected: " + got.reason;
        continue;
      }
      const auto canonical = t.Honest(got.lo, got.has_hi, got.hi);
      if (!canonical) return where + "accepted an interval that has no valid encoding";
      if (Encode(*canonical) != bytes) return where + "accepted a non-canonical encoding";
      if (got.leaves != t.Truth(got.lo, got.has_hi, got.hi))
        return where + "accepted leaves that are not the truth";
      if (mutate && v == 0)
        ++stats->accepted_forgeries;  // a mutation that gave back the canonical bytes
    }
  }
  return {};
}

}  // namespace checkpoint::oracle
