// What create --publish needs of publishing: a torrent of a directory that
// is not yet under its final name.
#pragma once

#include <string>

#include "checkpoint/publish.h"

namespace checkpoint {

// The torrent of the checkpoint in `dir`, named `name` (its directory's name
// once published), in *torrent. REQUIRES: the store's lock.
Result<PublishResult> MakeTorrent(const std::string& dir, const std::string& name,
                                  const PublishOptions& options, std::string* torrent);

}  // namespace checkpoint
