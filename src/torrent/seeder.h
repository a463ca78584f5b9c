// `checkpoint seed STORE`: one libtorrent session seeding every complete
// checkpoint of a store that has a CKPT/checkpoint.torrent, following the
// store as it changes (created, fetched, pruned) without a restart.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "checkpoint/source.h"
#include "checkpoint/status.h"

namespace checkpoint::torrent {

struct SeedOptions {
  std::string listen = "0.0.0.0:6881";
  bool discovery = false;     // DHT, LSD, UPnP, NAT-PMP
  uint64_t upload_limit = 0;  // bytes a second, 0: none
  double rescan_seconds = 5;  // how often the store is listed again
  // Called with what happens: "listening on IP:PORT", "seeding NAME", "dropped NAME".
  std::function<void(const std::string&)> log;
};

// Seeds until *stop becomes true. Files are served from the store as they
// are (libtorrent's seed mode: a piece is hashed when first asked for, never
// all at start), so a restart costs no re-hash; a piece that fails its hash
// is not served. A checkpoint that disappears (pruned) is dropped.
Status Seed(const std::string& store, const SeedOptions& options, const std::atomic<bool>* stop);

}  // namespace checkpoint::torrent
