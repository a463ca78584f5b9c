// OpenSources: from what a user typed to a ChunkSource. Stores are resolved
// to one checkpoint each through their index (a hint: the manifest it leads
// to is anchored like any other).
#include <algorithm>
#include <filesystem>

#include "checkpoint/checkpoint.h"
#include "checkpoint/source.h"
#include "checkpoint/store.h"
#include "net/http.h"
#include "net/mirror_source.h"
#include "ops/layout.h"
#include "ops/store_index.h"

namespace checkpoint {
namespace fs = std::filesystem;
namespace {

std::string_view LastSegment(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url.substr(url.rfind('/') + 1);
}

Result<IndexEntry> Pick(const std::vector<IndexEntry>& entries, const CheckpointPick& pick,
                        const std::string& where) {
  const Anchors& a = pick.anchors;
  if (!pick.latest && !a.height && !a.root && !a.id) {
    return Status::InvalidArgument(where +
                                   " is a store: say which checkpoint (--height N|latest, or "
                                   "--root / --id)");
  }
  const IndexEntry* best = nullptr;
  for (const IndexEntry& e : entries) {
    if ((a.id && e.id != ToHex(*a.id)) || (a.root && e.root != ToHex(*a.root)) ||
        (a.height && e.height != *a.height)) {
      continue;
    }
    if (!best || e.height > best->height || (e.height == best->height && e.created > best->created))
      best = &e;
  }
  if (!best) {
    return Status::InvalidArgument(where + ": no checkpoint in the store matches " +
                                   (a.id       ? "the id"
                                    : a.root   ? "the root"
                                    : a.height ? "height " + std::to_string(*a.height)
                                               : std::string("(it is empty)")));
  }
  return *best;
}

Result<std::vector<IndexEntry>> LocalIndex(const std::string& store) {
  CHECKPOINT_ASSIGN_OR_RETURN(StoreListing listing, ListStore(store));
  std::vector<IndexEntry> out;
  for (const StoredCheckpoint& c : listing.checkpoints) {
    IndexEntry e;
    e.height = c.manifest.height;
    e.id = ToHex(c.id);
    e.root = ToHex(c.manifest.root);
    e.created = c.created;
    out.push_back(std::move(e));
  }
  return out;
}

// One source to one checkpoint directory (URL or path); an error when it
// cannot be resolved.
Result<std::string> Resolve(const std::string& source, const CheckpointPick& pick,
                            const HttpOptions& options) {
  if (net::IsHttpUrl(source)) {
    uint64_t height;
    std::string id12;
    if (ParseCheckpointName(LastSegment(source), &height, &id12)) return source;
    // Not named like a checkpoint: a store if it has an index, else taken
    // for a checkpoint directory served under another name.
    Result<std::vector<IndexEntry>> index = ReadStoreIndex(source, options);
    if (index.status().IsNotFound()) return source;
    CHECKPOINT_ASSIGN_OR_RETURN(std::vector<IndexEntry> entries, std::move(index));
    CHECKPOINT_ASSIGN_OR_RETURN(IndexEntry e, Pick(entries, pick, net::RedactUrl(source)));
    return net::JoinUrl(source, e.name());
  }
  const std::string url_path = net::FilePathOfUrl(source);
  const std::string path = url_path.empty() ? source : url_path;
  std::error_code ec;
  if (fs::exists(fs::path(path) / kManifestFile, ec)) return path;
  if (!fs::is_directory(path, ec))
    return Status::NotFound("no checkpoint at " + source + " (nor a store)");
  CHECKPOINT_ASSIGN_OR_RETURN(std::vector<IndexEntry> entries, LocalIndex(path));
  CHECKPOINT_ASSIGN_OR_RETURN(IndexEntry e, Pick(entries, pick, source));
  return (fs::path(path) / e.name()).string();
}

}  // namespace

Result<std::vector<IndexEntry>> ReadStoreIndex(const std::string& url, const HttpOptions& options) {
  CHECKPOINT_ASSIGN_OR_RETURN(std::string bytes,
                              FetchUrl(net::JoinUrl(url, kIndexFile), kMaxIndexBytes, options));
  return ParseStoreIndex(bytes);
}

Result<std::unique_ptr<ChunkSource>> OpenSources(const std::vector<std::string>& sources,
                                                 const CheckpointPick& pick,
                                                 const HttpOptions& options,
                                                 std::string* local_dir) {
  if (sources.empty()) return Status::InvalidArgument("no source");
  std::vector<net::MirrorSpec> mirrors;
  Status first_error;
  for (const std::string& source : sources) {
    Result<std::string> where = Resolve(source, pick, options);
    if (where.ok()) {
      mirrors.push_back({*where, ""});
      continue;
    }
    // A store naming no such checkpoint is the user's to fix, not a dead mirror.
    if (where.status().IsInvalidArgument() && sources.size() == 1) return where.status();
    if (first_error.ok()) first_error = where.status();
    mirrors.push_back({source, where.status().message()});
  }
  const size_t usable = std::count_if(mirrors.begin(), mirrors.end(),
                                      [](const net::MirrorSpec& m) { return m.error.empty(); });
  if (usable == 0) return first_error;
  if (mirrors.size() == 1 && !net::IsHttpUrl(mirrors[0].location)) {
    *local_dir = mirrors[0].location;
    return NewDirectorySource(mirrors[0].location);
  }
  local_dir->clear();
  return net::NewMirrorSource(mirrors, options);
}

}  // namespace checkpoint
