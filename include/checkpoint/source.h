// Where a checkpoint's bytes come from (DESIGN §11): a local directory, or
// any number of untrusted HTTP(S) mirrors of one checkpoint.
//
// A source only moves bytes and decides whom to ask next; it never judges
// them. The caller checks every chunk (RestoreSession::Add, or the verifier)
// and tells the source the verdict through Judge: a bad chunk is a strike
// against the mirror that sent it and is fetched again from another.
// Thread-safety: Next and Judge may be called from any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/hash.h"
#include "checkpoint/manifest.h"
#include "checkpoint/sign.h"
#include "checkpoint/status.h"
#include "checkpoint/verify.h"

namespace checkpoint {

// One distinct manifest some mirrors offered.
struct ManifestOffer {
  std::string bytes;
  Hash id{};
  std::vector<size_t> mirrors;  // indices into ChunkSource::Mirrors(), in answer order
};

// One chunk file's bytes as a mirror sent them.
struct ChunkDelivery {
  size_t index = 0;
  std::string bytes;
  size_t mirror = 0;  // who sent it
};

// How far a source is, for progress displays.
struct SourceProgress {
  uint64_t wanted = 0;  // chunks asked for
  uint64_t done = 0;    // of them accepted
  uint64_t bytes = 0;   // received so far (accepted or not)
  size_t mirrors = 0;   // serving the manifest in use
  size_t dropped = 0;   // of them dropped
};

class ChunkSource {
 public:
  virtual ~ChunkSource() = default;

  // Every distinct manifest the mirrors offer, most-offered first (ties: who
  // answered first). Never trusted: the caller anchors them. An error only for
  // this machine's own failures; mirrors that could not answer are reported
  // in Mirrors() and leave the list shorter (possibly empty).
  virtual Result<std::vector<ManifestOffer>> Manifests() = 0;

  // Starts fetching chunks `wanted` of `m`, the manifest `offer` anchored, from
  // the mirrors that offered it. Ends any earlier fetch.
  virtual void Start(const ManifestOffer& offer, const Manifest& m,
                     const std::vector<size_t>& wanted) = 0;
  // The next chunk to check; blocks until one arrives. nullopt when nothing
  // more will come: every wanted chunk was accepted, or no mirror is left
  // that may still provide the rest. An error: this machine failed (I/O).
  virtual Result<std::optional<ChunkDelivery>> Next() = 0;
  // The caller's verdict on a delivery. kOk ends that chunk; anything else is
  // the sender's fault.
  virtual void Judge(const ChunkDelivery& delivery, const ChunkCheck& check) = 0;
  // The signature files of `offer` for these key ids (16 hex digits, as
  // minisign prints them), from the mirrors that offered it: CKPT/signatures/
  // <ID>.minisig, each at most kMaxSignatureFileBytes. Missing ones are
  // simply absent; never trusted: the caller verifies them.
  virtual std::vector<std::string> Signatures(const ManifestOffer& offer,
                                              const std::vector<std::string>& key_ids) = 0;
  // Stops every transfer (the caller gives up); Next then returns nullopt.
  virtual void Cancel() = 0;

  // The wanted chunks no mirror provided, with the class and message of the
  // last failure. Valid once Next returned nullopt.
  virtual std::vector<ChunkProblem> Unavailable() const = 0;
  virtual std::vector<MirrorReport> Mirrors() const = 0;
  virtual SourceProgress Progress() const = 0;
};

// A checkpoint directory on this machine (files opened as `verify` does).
std::unique_ptr<ChunkSource> NewDirectorySource(const std::string& dir);

// A torrent source's session (magnet:?…, or a .torrent file or URL; src/torrent).
struct SwarmOptions {
  // Where the torrent's files are written: a directory made if missing and
  // kept afterwards (a later run resumes from it, and may seed it).
  // Empty: a new temporary directory, removed when the run ends.
  std::string keep_dir;
  // "IP:PORT" peers to connect to directly, besides the trackers'.
  std::vector<std::string> peers;
  // Web seeds (BEP 19) added to the torrent's own, each the URL of a store
  // holding the checkpoint directory (the torrent's name is that directory's).
  std::vector<std::string> webseeds;
  // libtorrent's listen_interfaces. Default: every interface, a free port.
  std::string listen = "0.0.0.0:0";
  // DHT, local service discovery, UPnP and NAT-PMP. Default: off (trackers,
  // web seeds and given peers only).
  bool discovery = false;
  // Nothing received for this long while something is still wanted: the
  // rest is given up (reported), never waited for forever. Default: 60 s.
  double stall_seconds = 60;
  // The largest .torrent read. Default: 64 MiB.
  uint64_t max_torrent_bytes = 64ull << 20;
};

struct HttpOptions {
  // Transfers at once over all mirrors. Default: 0, twice the threads.
  unsigned connections = 0;
  // A mirror slower than this (bytes/s) over `slow_seconds` while another
  // mirror does better is dropped; a transfer receiving nothing for
  // `slow_seconds` is abandoned. Defaults: 1 MiB/s over 20 s.
  uint64_t min_speed = 1 << 20;
  double slow_seconds = 20;
  double connect_timeout_seconds = 10;
  // Skip TLS certificate checks. Default: false.
  bool insecure = false;
  // Checked chunks are capped at this (VerifyOptions::max_chunk_size), and so
  // are bodies. Default: kDefaultMaxChunkSize.
  uint64_t max_chunk_size = kDefaultMaxChunkSize;
  // For a torrent source.
  SwarmOptions swarm;
};

// Mirrors of one checkpoint: each a URL of a checkpoint directory
// (http://, https://, or file://), or a local directory.
std::unique_ptr<ChunkSource> NewMirrorSource(const std::vector<std::string>& mirrors,
                                             const HttpOptions& options);

// One checkpoint as a store's index.json lists it (docs/FORMAT.md §6): a
// hint for finding it, never trusted.
struct IndexEntry {
  uint64_t height = 0;
  std::string id;    // 64 lowercase hex
  std::string root;  // 64 lowercase hex
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  std::string created;
  bool pinned = false;
  std::string magnet;                   // of its checkpoint.torrent, if published
  std::optional<uint64_t> base_height;  // a delta checkpoint's base
  std::string base_root;                // and its root (64 lowercase hex)
  std::string name() const;             // <height>-<id12>, its directory in the store
};

// The index of the store at `url` (http(s)://, file://): STORE/index.json.
Result<std::vector<IndexEntry>> ReadStoreIndex(const std::string& url, const HttpOptions& options);

// Which checkpoint a store source means.
struct CheckpointPick {
  Anchors anchors;      // an entry matching --root / --id / --height
  bool latest = false;  // the highest height (matching the anchors)
  // The destination's newest height and root (64 lowercase hex), when it
  // holds state: a store's entries the destination can take come first — a
  // delta whose base this is, or, for an empty destination, a full
  // checkpoint. Asked only when a store's matching entries differ in base,
  // once per such store: it opens the destination's database, so a caller
  // with several sources caches the answer.
  std::function<std::optional<std::pair<uint64_t, std::string>>()> destination_state;
};

// What the user named on the command line, opened: each of `sources` is a
// checkpoint directory or a store, as a path or a file://, http:// or
// https:// URL. A store is read through its index.json (a local one through
// its listing) and `pick` chooses a checkpoint in it, separately for each
// source. One local checkpoint directory gives a directory source
// (*local_dir names it); a magnet link or .torrent (file or URL) a swarm
// source, the other sources then being its web seeds (HTTP URLs only);
// anything else gives mirrors. Errors:
// InvalidArgument when a store cannot say which checkpoint (no pick, or no
// entry matches), NotFound when a path is neither, IOError for the rest.
Result<std::unique_ptr<ChunkSource>> OpenSources(const std::vector<std::string>& sources,
                                                 const CheckpointPick& pick,
                                                 const HttpOptions& options,
                                                 std::string* local_dir);

// Verifies the checkpoint `source` offers, as VerifyCheckpoint does a
// directory: the manifests the mirrors offer against the anchors, then every
// chunk, each refetched from another mirror when one sends it bad. With a
// --root anchor and several manifests for that root, a manifest whose chunks
// no mirror can provide gives way to the next. report.mirrors says who did what.
Result<VerifyReport> VerifySource(ChunkSource* source, const VerifyOptions& options);

struct FetchOptions {
  Anchors anchors;
  bool trust_manifest = false;  // as RestoreOptions
  unsigned threads = 0;         // checking threads; 0: cores
  uint64_t max_chunk_size = kDefaultMaxChunkSize;
  double lock_wait_seconds = 0;  // for the store lock, as CreateOptions
};

enum class FetchStage { kManifest, kChunks, kDone };

struct FetchReport {
  FetchStage stage = FetchStage::kManifest;
  std::string path;  // the checkpoint in the store (absolute), at kDone
  Manifest manifest;
  Hash id{};
  bool existed = false;  // the store already held it complete: nothing fetched
  std::vector<ChunkProblem> problems;
  std::string local_error;  // this machine's failure reading back a partial download
  size_t resumed = 0;       // chunks an earlier, interrupted fetch had kept
  uint64_t bytes = 0;
  double seconds = 0;
  std::vector<MirrorReport> mirrors;
  bool ok() const { return stage == FetchStage::kDone && problems.empty(); }
};

// Downloads the checkpoint `source` offers into `store` (made if missing) as
// a complete, verified checkpoint `<height>-<id12>`, so that this machine can
// serve it in turn. Every chunk is checked before it is written; the
// download grows in STORE/.partial-<id> and is published like `create`
// (fsync, rename, index.json), all under the store's lock, held throughout.
// Killed, the same call resumes: chunks already kept are checked again
// locally, not fetched. Fails (the Status) for what is not the checkpoint's
// fault: Busy (the lock), IOError, InvalidArgument (no anchor).
Result<FetchReport> FetchCheckpoint(ChunkSource* source, const std::string& store,
                                    const FetchOptions& options);

// Fetches `url` (http(s):// or file://), at most `max_bytes`. NotFound for a
// 404; IOError for anything else (the message says what).
Result<std::string> FetchUrl(const std::string& url, uint64_t max_bytes,
                             const HttpOptions& options);

}  // namespace checkpoint
