// CreateCheckpoint: partition, produce chunks on a thread pool, write them
// from one writer thread behind a bounded window, publish atomically.
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "checkpoint/chunk.h"
#include "checkpoint/manifest.h"
#include "checkpoint/version.h"
#include "chunk/format.h"
#include "chunk/producer.h"
#include "delta/delta_create.h"
#include "delta/diff.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/signatures.h"
#include "ops/store_index.h"
#include "state/state_db_internal.h"
#include "torrent/publish_internal.h"
#include "util/clock.h"

namespace checkpoint {
namespace fs = std::filesystem;

namespace {

// A finished chunk on its way to the writer.
struct Produced {
  size_t index;
  AlignedBuffer file;
  Hash digest;
  uint64_t raw_size;
};

uint64_t MaxRawBytes(const Partition& partition) {
  uint64_t most = 0;
  for (const ChunkPlan& c : partition.chunks) most = std::max(most, c.raw_bytes);
  return most;
}

// Runs chunk tasks on a pool; one writer thread writes files in whatever
// order they finish (names come from the partition's indices). At most
// `window` chunks are produced but unwritten, so memory stays near
// window × chunk_size whatever the state's size.
class ChunkPipeline {
 public:
  ChunkPipeline(const PinnedHeight& pin, const Partition& partition, const std::string& dir,
                const CreateOptions& options, unsigned threads)
      : pin_(pin),
        partition_(partition),
        dir_(dir),
        options_(options),
        threads_(threads),
        window_(2 * threads + 1),
        max_file_bytes_(MaxChunkFileBytes(MaxRawBytes(partition))),
        digests_(partition.chunks.size()),
        file_bytes_(0) {}

  Status Run() {
    std::thread writer([this] { WriteLoop(); });
    {
      boost::asio::thread_pool pool(threads_);
      for (size_t i = 0; i < partition_.chunks.size(); ++i) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return in_flight_ < window_ || !error_.ok(); });
        if (error_.ok() && options_.cancel && options_.cancel->load()) {
          error_ = Status::Cancelled("interrupted");
        }
        if (!error_.ok()) break;
        ++in_flight_;
        lock.unlock();
        boost::asio::post(pool, [this, i] { Produce(i); });
      }
      pool.join();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      producers_done_ = true;
    }
    cv_.notify_all();
    writer.join();
    return error_;
  }

  const std::vector<Hash>& digests() const { return digests_; }
  uint64_t file_bytes() const { return file_bytes_; }
  const std::vector<uint64_t>& sizes() const { return sizes_; }

 private:
  void Fail(const Status& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = s;
    cv_.notify_all();
  }

  void Produce(size_t index) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_.ok()) {
        --in_flight_;
        cv_.notify_all();
        return;
      }
    }
    NodeReader reader(pin_.store, pin_.snapshot, NodeReader::Mode::kScan);
    std::string canonical;
    Status s = ProduceChunk(partition_, index, &reader, &canonical);
    Produced p{index, {}, {}, canonical.size()};
    std::unique_ptr<ChunkFileEncoder> encoder;
    if (s.ok()) {
      p.digest = HashBytes(HashKind::kSha256, canonical);
      {
        // As many zstd contexts as chunks are compressed at once, and as
        // many file buffers as chunks are in flight, reused.
        std::lock_guard<std::mutex> lock(mu_);
        encoder = TakeLast(&idle_encoders_);
        p.file = TakeLast(&idle_buffers_);
      }
      if (!encoder) encoder = std::make_unique<ChunkFileEncoder>(options_.zstd_level);
      if (p.file.capacity() == 0) p.file = AlignedBuffer(max_file_bytes_);
      s = encoder->Encode(canonical, kChunkFormatVersion, &p.file);
    }
    if (!s.ok()) Fail(s.WithContext("chunk " + std::to_string(index)));
    std::lock_guard<std::mutex> lock(mu_);
    if (encoder) idle_encoders_.push_back(std::move(encoder));
    if (s.ok()) {
      done_.push_back(std::move(p));
    } else {
      --in_flight_;
    }
    cv_.notify_all();
  }

  template <typename T>
  static T TakeLast(std::vector<T>* v) {
    if (v->empty()) return T{};
    T last = std::move(v->back());
    v->pop_back();
    return last;
  }

  void WriteLoop() {
    sizes_.assign(partition_.chunks.size(), 0);
    CreateProgress progress;
    progress.chunks_total = partition_.chunks.size();
    for (const ChunkPlan& c : partition_.chunks) progress.raw_bytes_total += c.raw_bytes;
    for (;;) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !done_.empty() || (producers_done_ && done_.empty()); });
      if (done_.empty()) return;
      Produced p = std::move(done_.front());
      done_.pop_front();
      const bool failed = !error_.ok();
      lock.unlock();
      if (!failed) {
        Status s = WriteFileUncachedSynced(dir_ + "/" + ChunkFileName(p.index), &p.file);
        if (!s.ok()) Fail(s);
        digests_[p.index] = p.digest;
        sizes_[p.index] = p.file.size();
        file_bytes_ += p.file.size();
        ++progress.chunks_done;
        progress.raw_bytes_done += p.raw_size;
        if (options_.progress && s.ok()) options_.progress(progress);
      }
      lock.lock();
      idle_buffers_.push_back(std::move(p.file));
      --in_flight_;
      cv_.notify_all();
    }
  }

  const PinnedHeight& pin_;
  const Partition& partition_;
  const std::string& dir_;
  const CreateOptions& options_;
  const unsigned threads_;
  const size_t window_;
  const uint64_t max_file_bytes_;  // a buffer this large takes any chunk's file

  std::mutex mu_;
  std::condition_variable cv_;
  size_t in_flight_ = 0;
  bool producers_done_ = false;
  std::deque<Produced> done_;
  std::vector<std::unique_ptr<ChunkFileEncoder>> idle_encoders_;
  std::vector<AlignedBuffer> idle_buffers_;
  Status error_;

  std::vector<Hash> digests_;  // written by the writer thread only
  std::vector<uint64_t> sizes_;
  uint64_t file_bytes_;
};

// A delta's chunks: the changes from `base` to the pinned height, from a
// side-by-side walk of both tries (O(changes × depth)), cut and written in
// order. Memory: one chunk.
Status WriteDeltaChunks(const PinnedHeight& pin, const NodeRef& base, const std::string& dir,
                        const CreateOptions& options, unsigned threads,
                        std::vector<ManifestChunk>* chunks, std::vector<uint64_t>* sizes,
                        uint64_t* bytes) {
  // The diff goes forward in key order, skipping unchanged subtrees: sparse
  // scans, one per range. The proofs go back to the root at every boundary:
  // point lookups through the block cache (a scan's readahead, which
  // bypasses the cache, made them 6x slower) and a cache of the nodes near
  // the last boundaries (DeltaChunker).
  NodeReader proof_reader(pin.store, pin.snapshot, NodeReader::Mode::kPointLookup);
  ChunkFileEncoder encoder(options.zstd_level);
  AlignedBuffer file;
  DeltaChunker chunker(
      &proof_reader, pin.root, options.chunk_size,
      [&](std::string canonical, const KeyInterval& iv, uint64_t changes) -> Status {
        if (options.cancel && options.cancel->load()) return Status::Cancelled("interrupted");
        CHECKPOINT_RETURN_IF_ERROR(encoder.Encode(canonical, kDeltaChunkFormatVersion, &file));
        CHECKPOINT_RETURN_IF_ERROR(
            WriteFileUncachedSynced(dir + "/" + ChunkFileName(chunks->size()), &file));
        chunks->push_back(
            {iv.lo, HashBytes(HashKind::kSha256, canonical), canonical.size(), changes});
        sizes->push_back(file.size());
        *bytes += file.size();
        if (options.progress) {
          CreateProgress p;
          p.chunks_done = chunks->size();
          options.progress(p);
        }
        return Status::OK();
      });
  // The diff runs on the other threads; this one cuts, encodes and writes.
  CHECKPOINT_RETURN_IF_ERROR(DiffTriesParallel(
      [&] {
        return std::make_unique<NodeReader>(pin.store, pin.snapshot, NodeReader::Mode::kSparse);
      },
      pin.kind, base, pin.root, threads,
      [&](const Change& c) { return chunker.Add(c.key, c.value, c.is_delete); }));
  return chunker.Finish();
}

// A complete checkpoint of this content already in the store, if any. A
// damaged one is not: it is made again and replaced at publishing.
std::optional<CreateResult> FindExisting(const std::string& store, const PinnedHeight& pin,
                                         const CreateOptions& options) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store, ec)) {
    uint64_t height;
    std::string id12;
    if (!ParseCheckpointName(entry.path().filename().string(), &height, &id12) ||
        height != pin.height) {
      continue;
    }
    Result<StoredCheckpoint> c = ReadCompleteCheckpoint(entry.path().string());
    if (!c.ok()) continue;
    const Manifest& m = c->manifest;
    const Hash root = pin.root.present() ? pin.root.hash : EmptyHash(pin.kind);
    if (m.root != root || m.chunk_size != options.chunk_size ||
        m.format_version != options.format_version || m.hash != pin.kind ||
        m.is_delta() != options.base_height.has_value() ||
        (m.base && (m.base->height != *options.base_height || m.base->id != options.base_id))) {
      continue;
    }
    CreateResult r;
    r.path = c->path;
    r.id = c->id;
    r.height = m.height;
    r.root = m.root;
    r.chunks = m.chunks.size();
    r.leaves = m.leaves;
    for (const auto& chunk : m.chunks) r.raw_bytes += chunk.raw_size;
    r.bytes = c->bytes;
    r.existed = true;
    if (m.base) r.base_height = m.base->height;
    return r;
  }
  return std::nullopt;
}

// Whether `dir` already holds the manifest with this id, and plausible chunks.
bool SameAndIntact(const std::string& dir, const Hash& id) {
  Result<StoredCheckpoint> c = ReadCompleteCheckpoint(dir);
  return c.ok() && c->id == id;
}

}  // namespace

Result<CreateResult> CreateCheckpoint(StateDb* db, uint64_t height, const std::string& store,
                                      const CreateOptions& options) {
  // A staging directory is only safe from a prune's clean-up under the lock.
  CHECKPOINT_ASSIGN_OR_RETURN(StoreLock lock, StoreLock::Acquire(store, options.lock_wait_seconds));
  return CreateCheckpoint(db, height, store, lock, options);
}

Result<CreateResult> CreateCheckpoint(StateDb* db, uint64_t height, const std::string& store,
                                      const StoreLock& lock, const CreateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  CHECKPOINT_RETURN_IF_ERROR(lock.Guards(store));
  if (!IsKnownFormatVersion(options.format_version)) {
    return Status::NotSupported("format version " + std::to_string(options.format_version) +
                                " is not supported by this build");
  }
  if (options.chunk_size < 1024 || options.chunk_size > (1ull << 32)) {
    return Status::InvalidArgument("chunk size must be between 1 KiB and 4 GiB");
  }
  // Keys first: a key that cannot sign fails the run before any work.
  std::vector<SecretKey> keys;
  for (const std::string& file : options.sign_keys) {
    CHECKPOINT_ASSIGN_OR_RETURN(SecretKey key, LoadSecretKey(file));
    keys.push_back(std::move(key));
  }
  // Signs the checkpoint at `dir`: the staging directory before its rename,
  // so that no unsigned moment is ever published, or one already in place.
  auto sign = [&keys](const std::string& dir) -> Status {
    if (keys.empty()) return Status::OK();
    std::string manifest;
    CHECKPOINT_RETURN_IF_ERROR(ReadManifestFile(dir, &manifest));
    for (const SecretKey& key : keys) {
      CHECKPOINT_RETURN_IF_ERROR(WriteCheckpointSignature(dir, key, manifest, "").status());
    }
    return Status::OK();
  };
  // The checkpoint already at `dir`, signed again: published again too.
  auto finish_existing = [&](const std::string& dir) -> Status {
    CHECKPOINT_RETURN_IF_ERROR(sign(dir));
    if (!options.publish) return Status::OK();
    std::string torrent;
    CHECKPOINT_ASSIGN_OR_RETURN(
        PublishResult published,
        MakeTorrent(dir, fs::path(dir).filename().string(), *options.publish, &torrent));
    return ReplaceFileAtomically(dir + "/" + kTorrentFile, torrent);
  };
  auto write_index = [&]() {
    return WriteStoreIndex(store, lock, keys.empty() ? nullptr : &keys.front());
  };
  NodeRef base_root;
  if (options.base_height) {
    if (options.format_version < kDeltaFormatVersion) {
      return Status::InvalidArgument("a delta checkpoint needs format version 2");
    }
    if (*options.base_height > height) {
      return Status::InvalidArgument("the base height " + std::to_string(*options.base_height) +
                                     " is above " + std::to_string(height));
    }
  }
  CHECKPOINT_ASSIGN_OR_RETURN(PinnedHeight pin,
                              options.base_height
                                  ? PinHeight(db, height, *options.base_height, &base_root)
                                  : PinHeight(db, height));

  CHECKPOINT_RETURN_IF_ERROR(MakeDir(store));
  if (auto existing = FindExisting(store, pin, options)) {
    CHECKPOINT_RETURN_IF_ERROR(finish_existing(existing->path));
    CHECKPOINT_RETURN_IF_ERROR(write_index());
    return *existing;
  }

  Partition partition;
  const auto partition_start = std::chrono::steady_clock::now();
  if (!options.base_height) {
    NodeReader reader(pin.store, pin.snapshot, NodeReader::Mode::kScan);
    CHECKPOINT_RETURN_IF_ERROR(ComputePartition(&reader, pin.root, options.chunk_size, &partition));
  }
  // Every manifest entry takes at least ~110 bytes: refuse before writing
  // anything a manifest no reader accepts (kMaxManifestBytes).
  if (partition.chunks.size() > kMaxManifestBytes / 110) {
    return Status::InvalidArgument(
        std::to_string(partition.chunks.size()) +
        " chunks: the manifest would be larger than readers accept; use a larger --chunk-size");
  }
  const double partition_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - partition_start).count();

  const std::string staging = store + "/" + StagingName(height);
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) RemoveTree(path);
    }
  } cleanup{staging};
  // Made here, exclusively: nothing planted in the store is written through.
  CHECKPOINT_RETURN_IF_ERROR(MakeNewDir(staging));
  CHECKPOINT_RETURN_IF_ERROR(MakeNewDir(staging + "/" + kChunkDir));

  const unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  Manifest m;
  std::vector<uint64_t> file_sizes;
  uint64_t file_bytes = 0;
  CreateResult result;
  if (options.base_height) {
    CHECKPOINT_RETURN_IF_ERROR(WriteDeltaChunks(pin, base_root, staging, options, threads,
                                                &m.chunks, &file_sizes, &file_bytes));
    m.base =
        ManifestBase{*options.base_height,
                     base_root.present() ? base_root.hash : EmptyHash(pin.kind), options.base_id};
    for (const ManifestChunk& c : m.chunks) {
      m.leaves += c.leaves;
      result.raw_bytes += c.raw_size;
    }
  } else {
    ChunkPipeline pipeline(pin, partition, staging, options, threads);
    CHECKPOINT_RETURN_IF_ERROR(pipeline.Run());
    for (size_t i = 0; i < partition.chunks.size(); ++i) {
      const ChunkPlan& c = partition.chunks[i];
      m.chunks.push_back({c.lo, pipeline.digests()[i], c.raw_bytes, c.leaves});
      m.leaves += c.leaves;
      result.raw_bytes += c.raw_bytes;
    }
    file_sizes = pipeline.sizes();
    file_bytes = pipeline.file_bytes();
  }

  m.format_version = options.format_version;
  m.chunker_version = kChunkerVersion;
  m.hash = pin.kind;
  m.chunk_size = options.chunk_size;
  m.height = height;
  m.root = pin.root.present() ? pin.root.hash : EmptyHash(pin.kind);
  result.base_height = options.base_height;
  const std::string manifest = EncodeManifest(m);
  if (manifest.size() > kMaxManifestBytes) {
    return Status::InvalidArgument(
        "the manifest would be larger than readers accept; use a larger --chunk-size");
  }
  result.id = ManifestId(manifest);
  result.height = height;
  result.root = m.root;
  result.chunks = m.chunks.size();
  result.leaves = m.leaves;
  result.bytes = file_bytes;

  CHECKPOINT_RETURN_IF_ERROR(WriteNewFileSynced(staging + "/" + kManifestFile, manifest));
  CHECKPOINT_RETURN_IF_ERROR(sign(staging));
  if (options.publish) {
    // Under its final name, from the staging directory: published with it.
    std::string torrent;
    CHECKPOINT_ASSIGN_OR_RETURN(
        PublishResult published,
        MakeTorrent(staging, CheckpointName(height, result.id), *options.publish, &torrent));
    CHECKPOINT_RETURN_IF_ERROR(WriteNewFileSynced(staging + "/" + kTorrentFile, torrent));
    result.magnet = published.magnet;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json info = {{"created", UtcTimestamp()},
                         {"tool", "checkpoint " CHECKPOINT_VERSION},
                         {"seconds", result.seconds},
                         {"partition_seconds", partition_seconds},
                         {"units", partition.units.size()},
                         {"spine_nodes", partition.spine.size()},
                         {"threads", threads},
                         {"zstd_level", options.zstd_level},
                         {"bytes", result.bytes},
                         {"raw_bytes", result.raw_bytes},
                         {"chunk_file_bytes", file_sizes}};
  if (m.base) info["base_height"] = m.base->height;
  CHECKPOINT_RETURN_IF_ERROR(WriteNewFileSynced(staging + "/" + kInfoFile, info.dump(1) + "\n"));
  // Each chunk file was fsynced as it was written (WriteFileUncachedSynced,
  // on the pipeline's writer thread), not here after the pipeline, where it
  // took 0.2-1 s on L with the cores idle.
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(staging + "/" + kChunkDir));
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(staging));

  const std::string final_path = store + "/" + CheckpointName(height, result.id);
  result.path = fs::absolute(final_path).lexically_normal().string();
  struct stat st;
  if (::lstat(final_path.c_str(), &st) == 0) {
    if (SameAndIntact(final_path, result.id)) {
      result.existed = true;  // the same bytes, made by an earlier run
      CHECKPOINT_RETURN_IF_ERROR(finish_existing(final_path));
      CHECKPOINT_RETURN_IF_ERROR(write_index());
      return result;
    }
    // Damaged: swap the fresh copy in atomically; the old one ends up at the
    // staging name, which the clean-up removes.
    CHECKPOINT_RETURN_IF_ERROR(ExchangePaths(staging, final_path));
    result.replaced = true;
  } else {
    CHECKPOINT_RETURN_IF_ERROR(RenamePath(staging, final_path));
    cleanup.path.clear();
  }
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(store));
  CHECKPOINT_RETURN_IF_ERROR(write_index());
  return result;
}

}  // namespace checkpoint
