// Helpers shared by the tests: temporary directories, a reference trie root
// computed independently of the builder, and a model of the state.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "checkpoint/hash.h"
#include "checkpoint/state_db.h"
#include "trie/node.h"
#include "util/bits.h"

namespace checkpoint::test {

using Model = std::map<std::string, std::string>;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "checkpoint-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The canonical trie's root by direct recursion over the sorted key set: the
// node for keys[lo, hi) sits at their common prefix (DESIGN §4). Independent
// of TrieBuilder's stack algorithm on purpose.
inline Hash ReferenceNodeHash(HashKind kind,
                              const std::vector<std::pair<std::string, std::string>>& kv, size_t lo,
                              size_t hi, uint32_t depth) {
  if (hi - lo == 1) return LeafHash(kind, kv[lo].first, kv[lo].second);
  const std::string& first = kv[lo].first;
  const std::string& last = kv[hi - 1].first;
  const uint32_t lcp = CommonPrefixBits(first, static_cast<uint32_t>(first.size() * 8), last,
                                        static_cast<uint32_t>(last.size() * 8));
  const Hash empty = EmptyHash(kind);
  Hash slot = empty, left = empty, right = empty;
  size_t i = lo;
  if (first.size() * 8 == lcp) slot = LeafHash(kind, kv[i].first, kv[i].second), ++i;
  size_t split = i;
  while (split < hi && !BitAt(kv[split].first, lcp)) ++split;
  if (split > i) left = ReferenceNodeHash(kind, kv, i, split, lcp);
  if (hi > split) right = ReferenceNodeHash(kind, kv, split, hi, lcp);
  return InternalHash(kind, BitSlice(first, depth, lcp), slot, left, right);
}

inline Hash ReferenceRoot(HashKind kind, const Model& model) {
  if (model.empty()) return EmptyHash(kind);
  std::vector<std::pair<std::string, std::string>> kv(model.begin(), model.end());
  return ReferenceNodeHash(kind, kv, 0, kv.size(), 0);
}

// Everything a view holds, in iteration order.
inline Model ReadAll(StateView* view) {
  Model out;
  auto it = view->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out[std::string(it->key())] = std::string(it->value());
  if (!it->status().ok()) out["<error>"] = it->status().message();
  return out;
}

// Short keys over a tiny alphabet: many shared prefixes and prefix keys.
inline std::string RandomKey(std::mt19937_64& rng, size_t max_len = 4) {
  static const char kAlphabet[] = {'\x00', '\x01', '\x80', '\xff', 'a'};
  std::string k(1 + rng() % max_len, '\0');
  for (char& c : k) c = kAlphabet[rng() % sizeof(kAlphabet)];
  return k;
}

inline std::string RandomValue(std::mt19937_64& rng, size_t max_len = 24) {
  std::string v(rng() % (max_len + 1), '\0');
  for (char& c : v) c = static_cast<char>(rng());
  return v;
}

}  // namespace checkpoint::test
