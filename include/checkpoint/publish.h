// Publishing a checkpoint to a BitTorrent swarm: CKPT/checkpoint.torrent, a
// hybrid (v1 + v2) torrent of manifest.json, the signatures and the chunks
// (docs/FORMAT.md §8). Deterministic: the same checkpoint directory gives the
// same info dictionary wherever it is published, so operators of one
// checkpoint join one swarm; trackers and web seeds lie outside it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/status.h"

namespace checkpoint {

struct PublishOptions {
  std::vector<std::string> trackers;  // http://, https:// or udp:// announce URLs
  std::vector<std::string> webseeds;  // http(s):// URLs of a store serving the checkpoint
  double lock_wait_seconds = 0;
};

struct PublishResult {
  std::string path;          // CKPT/checkpoint.torrent
  std::string info_hash_v1;  // 40 hex digits (SHA-1 of the info dictionary)
  std::string info_hash_v2;  // 64 hex digits (SHA-256 of the info dictionary)
  std::string magnet;
  uint64_t piece_size = 0;
};

// The piece size for a checkpoint of `total_bytes` (files, before padding):
// the smallest power of two from 16 KiB up to 16 MiB giving at most 4096
// pieces (16 MiB above 64 GiB).
uint64_t TorrentPieceSize(uint64_t total_bytes);

// Writes CKPT/checkpoint.torrent (replacing an earlier one atomically) under
// the store's lock. InvalidArgument for a bad URL; Corruption when the
// checkpoint is not complete, or holds a link or a non-regular file.
Result<PublishResult> PublishCheckpoint(const std::string& checkpoint,
                                        const PublishOptions& options);

}  // namespace checkpoint
