// Driving a ChunkSource (DESIGN §11): which of the offered manifests to
// trust, and pulling chunks through a check on a pool of threads. The one
// place verify, restore and fetch meet a transport.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "checkpoint/source.h"
#include "checkpoint/verify.h"

namespace checkpoint {

struct AnchoredOffer {
  ManifestOffer offer;
  Manifest manifest;
};

struct Offers {
  std::vector<AnchoredOffer> anchored;
  // Each rejected offer as a manifest problem naming its mirrors, or "no
  // manifest" when no mirror offered one.
  std::vector<ChunkProblem> problems;
  // Why each mirror whose manifest was rejected is not used.
  std::vector<std::pair<size_t, std::string>> rejected;
  // The source's mirror reports with the rejections noted.
  std::vector<MirrorReport> Mirrors(const ChunkSource& source) const;
};

// The offers that hold against `anchors` (CheckAnchors, and the operator
// signatures), in the source's order (under keys alone: newest height
// first). Only --root or --pubkey lets more than one through: with --id one
// manifest can match, and without an anchor trusting a second would be
// trusting whichever mirror answered.
Result<Offers> AnchoredOffers(ChunkSource* source, const Anchors& anchors, uint64_t max_chunk_size);

// Checks one delivered chunk; a non-OK Status is this machine's failure and
// stops the run.
using DeliveryCheck = std::function<Status(const ChunkDelivery&, ChunkCheck*)>;

// Pulls chunks from `source` (after Start) on `threads` threads through
// `check`, telling the source each verdict, until it has nothing more.
// *bytes counts what arrived. A local read failure of the source goes to
// *local_error (the run stops); a failed check is returned.
Status PullChunks(ChunkSource* source, unsigned threads, const DeliveryCheck& check,
                  uint64_t* bytes, std::string* local_error);

unsigned ThreadsOrCores(unsigned threads);
// VerifyOptions::order: the chunks asked for first, then every other one, each once.
std::vector<size_t> CheckOrder(const std::vector<size_t>& asked, size_t chunks);

}  // namespace checkpoint
