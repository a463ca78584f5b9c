// OpenSources: from what a user typed to a ChunkSource. Stores are resolved
// to one checkpoint each through their index (a hint: the manifest it leads
// to is anchored like any other).
#include <algorithm>
#include <filesystem>
#include <tuple>

#include "checkpoint/checkpoint.h"
#include "checkpoint/sign.h"
#include "checkpoint/source.h"
#include "checkpoint/store.h"
#include "net/http.h"
#include "net/mirror_source.h"
#include "ops/layout.h"
#include "ops/signatures.h"
#include "ops/store_index.h"
#include "torrent/swarm_source.h"

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
  std::vector<const IndexEntry*> matches;
  for (const IndexEntry& e : entries) {
    if ((a.id && e.id != ToHex(*a.id)) || (a.root && e.root != ToHex(*a.root)) ||
        (a.height && e.height != *a.height)) {
      continue;
    }
    matches.push_back(&e);
  }
  // What the destination can take first: a delta from its newest height,
  // a full checkpoint when it is empty. Asked only when the matches differ
  // in base (CheckpointPick::destination_state opens the database).
  const bool bases_differ = std::any_of(matches.begin(), matches.end(), [&](const IndexEntry* e) {
    return e->base_height != matches[0]->base_height || e->base_root != matches[0]->base_root;
  });
  const auto have =
      bases_differ && pick.destination_state ? pick.destination_state() : std::nullopt;
  auto fits = [&have](const IndexEntry& e) {
    if (!e.base_height) return !have;
    return have && have->first == *e.base_height && have->second == e.base_root;
  };
  const IndexEntry* best = nullptr;
  for (const IndexEntry* e : matches) {
    if (!best || std::make_tuple(fits(*e), e->height, e->created) >
                     std::make_tuple(fits(*best), best->height, best->created))
      best = e;
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
    if (c.manifest.base) {
      e.base_height = c.manifest.base->height;
      e.base_root = ToHex(c.manifest.base->root);
    }
    out.push_back(std::move(e));
  }
  return out;
}

// --height latest under --pubkey: a mirror could freeze a node at an old
// height by replaying an old index, so the index must be signed (and fresh).
bool NeedsSignedIndex(const CheckpointPick& pick) {
  return pick.latest && !pick.anchors.pubkeys.empty();
}

// One source as the user named it: a checkpoint directory, or a store and
// what its index lists.
struct Named {
  std::string location;                          // the checkpoint, once known
  std::optional<std::vector<IndexEntry>> store;  // a store's entries
  std::optional<int64_t> signed_time;            // of a store's signed index
  Status status;
};

Named ReadHttpSource(const std::string& source, const CheckpointPick& pick,
                     const HttpOptions& options) {
  Named n;
  uint64_t height;
  std::string id12;
  if (ParseCheckpointName(LastSegment(source), &height, &id12)) {
    n.location = source;
    return n;
  }
  // Not named like a checkpoint: a store if it has an index, else taken for
  // a checkpoint directory served under another name.
  Result<std::string> bytes = FetchUrl(net::JoinUrl(source, kIndexFile), kMaxIndexBytes, options);
  if (bytes.status().IsNotFound() && NeedsSignedIndex(pick)) {
    // Taken for a checkpoint directory, it would pick itself, unsigned.
    n.status = Status::Untrusted(
        "no index.json: --height latest with --pubkey takes a store with a signed index (or name "
        "the checkpoint directory)");
    return n;
  }
  if (bytes.status().IsNotFound()) {
    n.location = source;
    return n;
  }
  Result<std::vector<IndexEntry>> entries =
      bytes.ok() ? ParseStoreIndex(*bytes) : Result<std::vector<IndexEntry>>(bytes.status());
  if (!entries.ok()) {
    n.status = entries.status();
    return n;
  }
  n.store = std::move(*entries);
  if (!NeedsSignedIndex(pick)) return n;
  Result<std::string> sig =
      FetchUrl(net::JoinUrl(source, kIndexSignatureFile), kMaxSignatureFileBytes, options);
  if (sig.status().IsNotFound()) {
    n.status = Status::Untrusted(
        "index.json is not signed (no index.json.minisig): --height latest with --pubkey takes a "
        "signed index only");
  } else if (!sig.ok()) {
    n.status = sig.status();
  } else {
    Result<int64_t> when = CheckIndexSignature(*bytes, *sig, pick.anchors);
    if (when.ok()) n.signed_time = *when;
    n.status = when.status();
  }
  return n;
}

// A local store is read through its listing: the directories are the truth.
Named ReadSource(const std::string& source, const CheckpointPick& pick,
                 const HttpOptions& options) {
  if (net::IsHttpUrl(source)) return ReadHttpSource(source, pick, options);
  Named n;
  const std::string url_path = net::FilePathOfUrl(source);
  const std::string path = url_path.empty() ? source : url_path;
  std::error_code ec;
  if (fs::exists(fs::path(path) / kManifestFile, ec)) {
    n.location = path;
  } else if (!fs::is_directory(path, ec)) {
    n.status = Status::NotFound("no checkpoint at " + source + " (nor a store)");
  } else {
    Result<std::vector<IndexEntry>> entries = LocalIndex(path);
    if (entries.ok()) n.store = std::move(*entries);
    n.status = entries.status();
  }
  return n;
}

std::string StoreEntryLocation(const std::string& source, const IndexEntry& e) {
  if (net::IsHttpUrl(source)) return net::JoinUrl(source, e.name());
  const std::string url_path = net::FilePathOfUrl(source);
  return (fs::path(url_path.empty() ? source : url_path) / e.name()).string();
}

// Under a signed --height latest the most recently signed index speaks for
// the operators (a withdrawn checkpoint stays withdrawn): its pick is the
// checkpoint, for every store, and its id is pinned (a mirror serving an
// older signed checkpoint under the newest one's name is not taken). A store
// whose index does not list it is left out: stale when signed before.
// Returns the pinned id, if any store was read.
std::optional<std::string> PickAcrossStores(const std::vector<std::string>& sources,
                                            const CheckpointPick& pick, std::vector<Named>* named) {
  const Named* newest = nullptr;
  std::optional<IndexEntry> best;
  Status first_pick_error;
  for (size_t i = 0; i < sources.size(); ++i) {
    Named& n = (*named)[i];
    if (!n.status.ok() || !n.store) continue;
    Result<IndexEntry> e = Pick(*n.store, pick, net::RedactUrl(sources[i]));
    if (!e.ok()) {
      if (first_pick_error.ok()) first_pick_error = e.status();
      continue;
    }
    // Local stores (no signed time) are the user's own: they rank last.
    const int64_t t = n.signed_time.value_or(INT64_MIN);
    const int64_t best_t = newest ? newest->signed_time.value_or(INT64_MIN) : INT64_MIN;
    if (!newest || t > best_t || (t == best_t && e->height > best->height)) {
      newest = &n;
      best = *e;
    }
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    Named& n = (*named)[i];
    if (!n.status.ok() || !n.store) continue;
    if (!best) {
      n.status = first_pick_error;
      continue;
    }
    const bool lists = std::any_of(n.store->begin(), n.store->end(),
                                   [&](const IndexEntry& e) { return e.id == best->id; });
    if (lists) {
      n.location = StoreEntryLocation(sources[i], *best);
    } else if (n.signed_time && newest->signed_time && *n.signed_time < *newest->signed_time) {
      n.status = Status::Untrusted(
          "index.json is stale: signed " + DescribeAge(UnixNow() - *n.signed_time) +
          " ago, before another mirror's (" + DescribeAge(UnixNow() - *newest->signed_time) +
          " ago), which picks " + best->name());
    } else {
      n.status = Status::NotFound("the store does not list " + best->name() +
                                  ", which the most recently signed index picks");
    }
  }
  if (!best) return std::nullopt;
  return best->id;
}

// A source whose manifests are only those with one id (what a signed index
// picked); everything else is the wrapped source's.
class PinnedSource : public ChunkSource {
 public:
  PinnedSource(std::unique_ptr<ChunkSource> inner, std::string id_hex)
      : inner_(std::move(inner)), id_hex_(std::move(id_hex)) {}

  Result<std::vector<ManifestOffer>> Manifests() override {
    CHECKPOINT_ASSIGN_OR_RETURN(std::vector<ManifestOffer> offers, inner_->Manifests());
    std::erase_if(offers, [&](const ManifestOffer& o) { return ToHex(o.id) != id_hex_; });
    return offers;
  }
  void Start(const ManifestOffer& offer, const Manifest& m,
             const std::vector<size_t>& wanted) override {
    inner_->Start(offer, m, wanted);
  }
  Result<std::optional<ChunkDelivery>> Next() override { return inner_->Next(); }
  void Judge(const ChunkDelivery& d, const ChunkCheck& check) override { inner_->Judge(d, check); }
  std::vector<std::string> Signatures(const ManifestOffer& offer,
                                      const std::vector<std::string>& key_ids) override {
    return inner_->Signatures(offer, key_ids);
  }
  void Cancel() override { inner_->Cancel(); }
  std::vector<ChunkProblem> Unavailable() const override { return inner_->Unavailable(); }
  std::vector<MirrorReport> Mirrors() const override { return inner_->Mirrors(); }
  SourceProgress Progress() const override { return inner_->Progress(); }

 private:
  std::unique_ptr<ChunkSource> inner_;
  const std::string id_hex_;
};

// One torrent, and HTTP mirrors as its web seeds: a web seed serves the
// torrent's files under STORE/<name>/, so a checkpoint URL gives its store.
Result<std::unique_ptr<ChunkSource>> OpenSwarm(const std::vector<std::string>& sources,
                                               const HttpOptions& options) {
  HttpOptions http = options;
  std::string torrent_source;
  for (const std::string& source : sources) {
    if (torrent::IsTorrentSource(source)) {
      if (!torrent_source.empty())
        return Status::InvalidArgument("one torrent or magnet link at a time");
      torrent_source = source;
      continue;
    }
    if (!net::IsHttpUrl(source)) {
      return Status::InvalidArgument(source +
                                     ": beside a torrent, other sources are its web seeds "
                                     "(http:// or https:// URLs)");
    }
    std::string base = source;
    while (!base.empty() && base.back() == '/') base.pop_back();
    uint64_t height;
    std::string id12;
    if (ParseCheckpointName(LastSegment(base), &height, &id12))
      base = base.substr(0, base.size() - LastSegment(base).size());
    if (base.empty() || base.back() != '/') base += '/';
    http.swarm.webseeds.push_back(base);
  }
  return torrent::NewSwarmSource(torrent_source, http);
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
  if (std::any_of(sources.begin(), sources.end(),
                  [](const std::string& s) { return torrent::IsTorrentSource(s); })) {
    local_dir->clear();
    return OpenSwarm(sources, options);
  }
  std::vector<Named> named;
  for (const std::string& source : sources) named.push_back(ReadSource(source, pick, options));
  std::optional<std::string> pinned;
  if (NeedsSignedIndex(pick)) {
    pinned = PickAcrossStores(sources, pick, &named);
  } else {
    for (size_t i = 0; i < sources.size(); ++i) {
      Named& n = named[i];
      if (!n.status.ok() || !n.store) continue;
      Result<IndexEntry> e = Pick(*n.store, pick, net::RedactUrl(sources[i]));
      if (e.ok()) n.location = StoreEntryLocation(sources[i], *e);
      n.status = e.status();
    }
  }
  std::vector<net::MirrorSpec> mirrors;
  Status first_error;
  for (size_t i = 0; i < sources.size(); ++i) {
    const Status& s = named[i].status;
    if (s.ok()) {
      mirrors.push_back({named[i].location, ""});
      continue;
    }
    // A store naming no such checkpoint is the user's to fix, not a dead mirror.
    if (s.IsInvalidArgument() && sources.size() == 1) return s;
    if (first_error.ok()) first_error = s;
    mirrors.push_back({sources[i], s.message()});
  }
  const size_t usable = std::count_if(mirrors.begin(), mirrors.end(),
                                      [](const net::MirrorSpec& m) { return m.error.empty(); });
  if (usable == 0) return first_error;
  std::unique_ptr<ChunkSource> source;
  if (mirrors.size() == 1 && !net::IsHttpUrl(mirrors[0].location)) {
    *local_dir = mirrors[0].location;
    source = NewDirectorySource(mirrors[0].location);
  } else {
    local_dir->clear();
    source = net::NewMirrorSource(mirrors, options);
  }
  if (pinned) return std::unique_ptr<ChunkSource>(new PinnedSource(std::move(source), *pinned));
  return source;
}

}  // namespace checkpoint
