// A checkpoint fetched from a BitTorrent swarm through libtorrent (DESIGN
// §11): the swarm is one more untrusted mirror. libtorrent checks pieces
// against the torrent's hashes (and bans peers that send pieces failing them);
// the torrent itself is untrusted, so every file is checked again by the
// caller, like any mirror's: the manifest against the anchors, each chunk
// against its proof.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "checkpoint/source.h"

namespace checkpoint::torrent {

// A magnet link, or a .torrent file or URL.
bool IsTorrentSource(std::string_view source);

// Starts a libtorrent session for `source` that downloads nothing until
// asked: the manifest for Manifests(), signature files for Signatures(),
// the wanted chunks after Start(). InvalidArgument for a source that is not
// a torrent of a checkpoint (unreadable, malformed, over the limits).
// options.swarm configures the session; the rest fetches a .torrent URL.
Result<std::unique_ptr<ChunkSource>> NewSwarmSource(const std::string& source,
                                                    const HttpOptions& options);

}  // namespace checkpoint::torrent
