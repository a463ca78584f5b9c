// The in-order iterator over one height's trie. Internal header: StateView
// hands it out with Mode::kScan; the walk benchmark also runs it with
// Mode::kPointLookup to measure what the node layout buys.
#pragma once

#include <memory>

#include "checkpoint/state_db.h"
#include "state/node_reader.h"

namespace checkpoint {

std::unique_ptr<StateIterator> NewTrieIterator(std::shared_ptr<NodeStore> store,
                                               std::shared_ptr<const StoreSnapshot> snapshot,
                                               const NodeRef& root, NodeReader::Mode mode);

// Iterates the subtree of `root` (an internal node with full path
// `root_path`, or a leaf) through a caller's reader, which must outlive it.
std::unique_ptr<StateIterator> NewSubtreeIterator(NodeReader* reader, const NodeRef& root,
                                                  const BitString& root_path);

}  // namespace checkpoint
