// What create --publish needs of publishing: a torrent of a directory that
// is not yet under its final name.
#pragma once

#include <libtorrent/torrent_info.hpp>
#include <optional>
#include <string>

#include "checkpoint/publish.h"

namespace checkpoint {

// The torrent of the checkpoint in `dir`, named `name` (its directory's name
// once published), in *torrent. REQUIRES: the store's lock.
Result<PublishResult> MakeTorrent(const std::string& dir, const std::string& name,
                                  const PublishOptions& options, std::string* torrent);

// OK when the torrent `ti` lists exactly the files a torrent of checkpoint
// `dir` covers (same paths and sizes, besides pad files) under the directory's
// name, and nothing a link; Corruption saying what differs otherwise.
Status TorrentMatchesCheckpoint(const lt::torrent_info& ti, const std::string& dir);

// The trackers and web seeds of the checkpoint's checkpoint.torrent when it
// has one that parses (a re-publish keeps them); nullopt otherwise.
std::optional<PublishOptions> PublishedOptions(const std::string& ckpt);

// Writes CKPT/checkpoint.torrent. REQUIRES: the store's lock.
Result<PublishResult> WriteTorrent(const std::string& ckpt, const PublishOptions& options);

}  // namespace checkpoint
