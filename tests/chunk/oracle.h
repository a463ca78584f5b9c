// The soundness oracle: a structure-aware generator of chunks — honest ones
// and forgeries that move, merge, drop, duplicate and re-kind items, shift
// boundaries and replace subtrees by stubs of either kind at any depth — over
// a known state, and the property that matters: whenever the verifier
// accepts, the chunk is the one canonical encoding of its interval and its
// leaves are exactly the state's leaves there.
//
// Shared by tests/chunk/oracle_test.cc (fixed seeds, in CI) and
// fuzz/chunk_oracle_fuzzer.cc (libFuzzer picks the choices). The true trie
// and the encoder here are written apart from src/chunk on purpose.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hash.h"
#include "util/bits.h"

namespace checkpoint::oracle {

using Model = std::map<std::string, std::string>;

// Where the generator's decisions come from: the fuzzer's bytes first, then
// a PRNG seeded by them, so every input is a complete, replayable run.
class Choices {
 public:
  Choices(const uint8_t* data, size_t size);
  explicit Choices(uint64_t seed) : rng_(seed) {}
  uint64_t Below(uint64_t n);  // uniform-ish in [0, n); 0 when n == 0
  bool OneIn(uint64_t n) { return Below(n) == 0; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::mt19937_64 rng_;
};

// A chunk before encoding. Paths are bit strings: a leaf's key, a subtree
// stub's region, a slot-leaf stub's key.
struct Item {
  enum Kind { kLeaf, kStub, kSlotStub } kind;
  BitString path;
  std::string value;  // kLeaf
  Hash hash{};        // stubs
};
struct Chunk {
  std::string lo;
  bool has_hi = false;
  std::string hi;
  std::vector<Item> items;
};

// docs/FORMAT.md §3's canonical encoding, front-coding included, of whatever
// the items are (a forgery encodes as faithfully as an honest chunk).
std::string Encode(const Chunk& c);

// The true trie of a model, by direct recursion.
class TrueTrie {
 public:
  TrueTrie(HashKind kind, const Model& model);
  const Hash& root() const { return root_; }
  const Model& model() const { return model_; }
  HashKind kind() const { return kind_; }

  // The honest chunk of [lo, hi), or nothing when no valid encoding exists
  // (a boundary cuts a leaf's position without holding the leaf).
  std::optional<Chunk> Honest(const std::string& lo, bool has_hi, const std::string& hi) const;
  // The state's leaves in [lo, hi).
  Model Truth(const std::string& lo, bool has_hi, const std::string& hi) const;

  struct Node {
    bool leaf = false;
    BitString path;  // internal: its path; leaf: its key
    std::string value;
    int slot = -1, left = -1, right = -1;  // node indices
    Hash hash{};
  };
  const std::vector<Node>& nodes() const { return nodes_; }
  int root_index() const { return root_index_; }
  // The node with this hash, or -1.
  int Find(const Hash& h) const;

 private:
  int Build(const std::vector<std::pair<std::string, std::string>>& kv, size_t lo, size_t hi,
            uint32_t depth);
  bool Emit(int node, const BitString& position, const std::string& lo, bool has_hi,
            const std::string& hi, std::vector<Item>* out) const;

  HashKind kind_;
  Model model_;
  std::vector<Node> nodes_;
  int root_index_ = -1;
  Hash root_{};
  std::map<Hash, int> by_hash_;
};

// A state with adversarial structure: prefix keys and chains, keys one bit
// apart, all-ones keys (regions without an end), empty values.
Model RandomModel(Choices* c);
// An interval: usually between honest neighbours (the partition's boundary
// rule), sometimes arbitrary strings.
void RandomInterval(const TrueTrie& t, Choices* c, std::string* lo, bool* has_hi, std::string* hi);
// 1..4 structural mutations of `chunk`.
void Mutate(const TrueTrie& t, Choices* c, Chunk* chunk);

// What a verifier said about a chunk: accepted, and if so its interval and leaves.
struct Verdict {
  bool ok = false;
  std::string reason;
  std::string lo;
  bool has_hi = false;
  std::string hi;
  Model leaves;
};
using Verifier =
    std::function<Verdict(std::string_view canonical, HashKind kind, const Hash& root)>;

// VerifyChunk, the verifier under test.
Verdict ProductionVerifier(std::string_view canonical, HashKind kind, const Hash& root);
// The independent reference of tests/ref (oracle_ref.cc).
Verdict ReferenceVerifier(std::string_view canonical, HashKind kind, const Hash& root);

struct Stats {
  uint64_t runs = 0, honest = 0, forged = 0, accepted_forgeries = 0, unencodable = 0;
};

// One round: a state, then `forgeries` chunks over random intervals, each
// honest or mutated, checked against every verifier. Returns "" or the first
// violated property with the chunk in hex.
std::string RunRound(Choices* c, const std::vector<Verifier>& verifiers, int forgeries,
                     Stats* stats);

}  // namespace checkpoint::oracle
