// RebuildChunk: the chunk verifier's core, shared by VerifyChunk and restore.
//
// Decodes a chunk's canonical encoding, checks every item against the
// interval, rebuilds the trie of its items with a TrieBuilder over `env`, and
// checks the fold against `root`. The env sees every complete internal node
// (WriteInternal) and where completeness ends (OnBoundary); nothing it saw is
// valid unless the result is OK.
#pragma once

#include <functional>
#include <string_view>

#include "checkpoint/chunk.h"
#include "trie/builder.h"

namespace checkpoint {

// A stub always hangs where its region says; one the builder would have to
// relabel is rejected.
class ChunkEnv : public BuilderEnv {
 public:
  // Verification alone writes nothing.
  Status WriteInternal(const BitString&, const InternalNode&, uint64_t) override {
    return Status::OK();
  }
  Result<NodeRef> Relabel(const BitString& path, const NodeRef& old,
                          const BitString& new_label) override;
};

// `height` is what the rebuilt records would be written at. `on_leaf` gets
// each leaf with its item index (as WriteInternal's first_item counts).
using LeafFn = std::function<void(uint64_t item, std::string_view key, std::string_view value)>;
Status RebuildChunk(std::string_view canonical, HashKind kind, const Hash& root, uint64_t height,
                    ChunkEnv* env, ChunkInfo* info, const LeafFn& on_leaf);

}  // namespace checkpoint
