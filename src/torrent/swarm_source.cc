#include "torrent/swarm_source.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/load_torrent.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "checkpoint/manifest.h"
#include "chunk/format.h"
#include "net/http.h"
#include "ops/chunk_check.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "torrent/session.h"

namespace checkpoint::torrent {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The .torrent's bytes, or a magnet's add_torrent_params.
Result<lt::add_torrent_params> LoadTorrent(const std::string& source, const HttpOptions& http,
                                           std::string* torrent_bytes) {
  const SwarmOptions& options = http.swarm;
  lt::error_code ec;
  if (source.rfind("magnet:?", 0) == 0) {
    lt::add_torrent_params p = lt::parse_magnet_uri(source, ec);
    if (ec) return Status::InvalidArgument("not a magnet link: " + ec.message());
    return p;
  }
  std::string bytes;
  if (net::IsHttpUrl(source)) {
    CHECKPOINT_ASSIGN_OR_RETURN(bytes, FetchUrl(source, options.max_torrent_bytes, http));
  } else {
    Status s = ReadFileBounded(source, options.max_torrent_bytes, &bytes);
    if (!s.ok()) return Status::InvalidArgument(source + ": " + s.message());
  }
  lt::load_torrent_limits limits;
  limits.max_buffer_size = static_cast<int>(options.max_torrent_bytes);
  limits.max_decode_depth = 32;
  lt::add_torrent_params p;
  try {
    p = lt::load_torrent_buffer(
        lt::span<char const>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), limits);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": not a torrent (" + e.what() + ")");
  }
  if (!p.ti || !p.ti->is_valid()) {
    return Status::InvalidArgument(source + ": not a torrent");
  }
  *torrent_bytes = std::move(bytes);
  return p;
}

std::string Endpoint(const lt::tcp::endpoint& e) {
  const std::string ip = e.address().to_string();
  return (e.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(e.port());
}

// What a file of the torrent is to a checkpoint.
struct FileRole {
  enum Kind { kManifest, kSignature, kChunk, kOther } kind = kOther;
  uint64_t chunk = 0;  // kChunk
  std::string key_id;  // kSignature
};

class SwarmSource : public ChunkSource {
 public:
  SwarmSource(std::string name, SwarmOptions options, std::string save_path, bool temporary)
      : name_(std::move(name)),
        options_(std::move(options)),
        save_path_(std::move(save_path)),
        temporary_(temporary) {
    report_.name = name_;
  }

  ~SwarmSource() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    if (pump_.joinable()) pump_.join();
    const std::string torrent = temporary_ ? "" : TorrentBytes();
    if (session_) {
      if (handle_.is_valid()) session_->remove_torrent(handle_);
      session_.reset();  // waits for the session's threads: the files are closed
    }
    if (temporary_) {
      RemoveTree(save_path_);
    } else {
      KeepVerified(torrent);
    }
  }

  // With --keep-files, the download grows in DIR/.swarm-<info-hash>/<name>/
  // and becomes DIR/<name>/ only when this run checked every chunk of it and
  // <name> is the verified manifest's own: an untrusted torrent never writes
  // into a checkpoint directory (one of a store given as DIR, say).
  void set_keep_dir(std::string dir) { keep_dir_ = std::move(dir); }

  void set_torrent_bytes(std::string bytes) { torrent_bytes_ = std::move(bytes); }

  Status Open(lt::add_torrent_params params) {
    lt::settings_pack pack = SessionSettings(options_.listen, options_.discovery);
    // This constructor adds libtorrent's default plugins, smart_ban among them:
    // it finds the sender of a bad block in a piece several peers sent.
    lt::session_params sp(std::move(pack));
    session_ = std::make_unique<lt::session>(std::move(sp));
    params.save_path = save_path_;
    for (const std::string& url : options_.webseeds) params.url_seeds.push_back(url);
    // Nothing until asked but the manifest, which is asked for first anyway:
    // a torrent wanting nothing counts as finished, announces so, and peers
    // let it go. A magnet's files start unwanted (libtorrent's flag for it).
    if (params.ti) {
      params.file_priorities.assign(params.ti->num_files(), lt::dont_download);
      const lt::file_storage& files = params.ti->files();
      for (lt::file_index_t f : files.file_range()) {
        if (files.file_path(f) == params.ti->name() + "/" + kManifestFile)
          params.file_priorities[static_cast<size_t>(static_cast<int>(f))] = lt::default_priority;
      }
    } else {
      params.flags |= lt::torrent_flags::default_dont_download;
    }
    params.flags &= ~lt::torrent_flags::auto_managed;
    params.flags &= ~lt::torrent_flags::paused;
    lt::error_code ec;
    handle_ = session_->add_torrent(std::move(params), ec);
    if (ec) return Status::InvalidArgument("libtorrent refused the torrent: " + ec.message());
    for (const std::string& peer : options_.peers) {
      const size_t colon = peer.rfind(':');
      lt::error_code pec;
      const lt::address a =
          lt::make_address(colon == std::string::npos ? peer : peer.substr(0, colon), pec);
      if (pec || colon == std::string::npos)
        return Status::InvalidArgument("--peer " + peer + ": not IP:PORT");
      peers_.emplace_back(a, static_cast<std::uint16_t>(std::stoi(peer.substr(colon + 1))));
    }
    ConnectPeers();
    last_progress_ = Clock::now();
    pump_ = std::thread([this] { Pump(); });
    return Status::OK();
  }

  Result<std::vector<ManifestOffer>> Manifests() override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!WaitFor(lock, [this] { return have_metadata_; })) return NoManifest(lock, "no metadata");
    if (!manifest_file_) return NoManifest(lock, "the torrent has no manifest.json");
    Want(*manifest_file_);
    if (!WaitFor(lock, [this] { return complete_.count(*manifest_file_) > 0; }))
      return NoManifest(lock, "manifest.json did not arrive");
    lock.unlock();
    std::string bytes;
    Status s = ReadManifestFile(Dir(), &bytes);
    lock.lock();
    if (s.IsIOError()) return s;
    if (!s.ok()) return NoManifest(lock, "manifest: " + s.message());
    const Hash id = ManifestId(bytes);
    return std::vector<ManifestOffer>{{std::move(bytes), id, {0}}};
  }

  std::vector<std::string> Signatures(const ManifestOffer&,
                                      const std::vector<std::string>& key_ids) override {
    std::unique_lock<std::mutex> lock(mu_);
    std::vector<int> files;
    for (const std::string& id : key_ids) {
      auto it = signature_files_.find(id);
      if (it == signature_files_.end()) continue;
      files.push_back(it->second);
      Want(it->second);
    }
    WaitFor(lock, [&] {
      return std::all_of(files.begin(), files.end(), [&](int f) { return complete_.count(f); });
    });
    lock.unlock();
    std::vector<std::string> out;
    for (const std::string& id : key_ids) {
      std::string text;
      const std::string path = Dir() + "/" + kSignatureDir + "/" + id + ".minisig";
      if (ReadFileBounded(path, kMaxSignatureFileBytes, &text).ok()) out.push_back(std::move(text));
    }
    return out;
  }

  void Start(const ManifestOffer& offer, const Manifest& m,
             const std::vector<size_t>& wanted) override {
    std::lock_guard<std::mutex> lock(mu_);
    manifest_ = m;
    offer_id_ = offer.id;
    accepted_ = 0;
    whole_ = wanted.size() == m.chunks.size();
    all_verified_ = false;
    pending_.clear();
    ready_.clear();
    failed_.clear();
    wanted_count_ = wanted.size();
    for (size_t i : wanted) {
      auto it = chunk_files_.find(i);
      if (it == chunk_files_.end()) {
        failed_[i] = {static_cast<int64_t>(i), ChunkClass::kMissing, "not in the torrent"};
        continue;
      }
      // A declared size no chunk can have is never downloaded.
      if (static_cast<uint64_t>(file_size_.at(it->second)) >
          MaxChunkFileBytes(m.chunks[i].raw_size)) {
        failed_[i] = {static_cast<int64_t>(i), ChunkClass::kCorrupt,
                      "the torrent declares a file larger than the chunk can be"};
        continue;
      }
      pending_.insert(i);
      Want(it->second);
      if (complete_.count(it->second)) ready_.push_back(i);
    }
    last_progress_ = Clock::now();
    cv_.notify_all();
  }

  Result<std::optional<ChunkDelivery>> Next() override {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (cancelled_) return std::optional<ChunkDelivery>();
      if (!ready_.empty()) {
        const size_t index = ready_.front();
        ready_.pop_front();
        pending_.erase(index);
        ++report_.requests;
        lock.unlock();
        Result<std::string> file = ReadChunkFile(Dir(), manifest_, index);
        if (IsLocalReadError(file.status())) return file.status();
        lock.lock();
        // A file whose pieces came while it was not wanted sits in
        // libtorrent's part file until it is moved out once wanted: look again.
        if (file.status().IsNotFound() && ++read_tries_[index] < kReadTries) {
          pending_.insert(index);
          retry_.push_back(index);
          continue;
        }
        if (!file.ok()) {
          const ChunkCheck why = ReadFailure(file.status(), index);
          failed_[index] = {static_cast<int64_t>(index), why.cls, why.message};
          continue;
        }
        return std::optional<ChunkDelivery>(ChunkDelivery{index, std::move(*file), 0});
      }
      if (pending_.empty()) return std::optional<ChunkDelivery>();
      if (ready_.empty() && !retry_.empty()) {
        cv_.wait_for(lock, std::chrono::milliseconds(100));
        ready_.insert(ready_.end(), retry_.begin(), retry_.end());
        retry_.clear();
        continue;
      }
      if (!error_.empty() || Stalled()) {
        const std::string why =
            !error_.empty() ? error_
                            : "the swarm sent nothing for " +
                                  std::to_string(static_cast<int>(options_.stall_seconds)) + " s";
        for (size_t i : pending_) failed_[i] = {static_cast<int64_t>(i), ChunkClass::kMissing, why};
        pending_.clear();
        report_.why = why;
        continue;
      }
      cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
  }

  void Judge(const ChunkDelivery& d, const ChunkCheck& check) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (check.cls == ChunkClass::kOk) {
      ++report_.chunks;
      all_verified_ = whole_ && ++accepted_ == manifest_.chunks.size();
      return;
    }
    // The pieces passed the torrent's hashes: the torrent itself lies about
    // this chunk, and every peer would send the same bytes again.
    ++report_.strikes;
    failed_[d.index] = {static_cast<int64_t>(d.index), check.cls,
                        "the swarm's copy: " + check.message};
  }

  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

  std::vector<ChunkProblem> Unavailable() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ChunkProblem> out;
    for (const auto& entry : failed_) out.push_back(entry.second);
    return out;
  }

  std::vector<MirrorReport> Mirrors() const override {
    const lt::torrent_status st = handle_.status(lt::status_flags_t{});
    std::lock_guard<std::mutex> lock(mu_);
    MirrorReport r = report_;
    r.bytes = static_cast<uint64_t>(st.total_payload_download);
    if (bans_ > 0) {
      std::string peers;
      for (const std::string& p : banned_) peers += (peers.empty() ? "" : ", ") + p;
      if (bans_ > banned_.size())
        peers += " and " + std::to_string(bans_ - banned_.size()) + " more";
      r.why += (r.why.empty() ? "" : "; ") + std::string("banned for corrupt pieces: ") + peers;
    }
    return {r};
  }

  SourceProgress Progress() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return {wanted_count_, report_.chunks, report_.bytes, 1, 0};
  }

 private:
  std::string Dir() const { return save_path_ + "/" + torrent_name_; }

  // Kept files are a store's layout (DIR/<name>/…): with the torrent beside
  // them, `checkpoint seed DIR` seeds them on once they are complete.
  std::string TorrentBytes() {
    if (!torrent_bytes_.empty()) return torrent_bytes_;
    // A magnet: the metadata as the peers sent it.
    std::shared_ptr<const lt::torrent_info> ti =
        handle_.is_valid() ? handle_.torrent_file() : nullptr;
    if (!ti) return "";
    try {
      const std::vector<char> buf = lt::create_torrent(*ti).generate_buf();
      return std::string(buf.begin(), buf.end());
    } catch (const std::exception&) {
      return "";  // hashes not all known: nothing complete to keep anyway
    }
  }

  void KeepVerified(const std::string& torrent) {
    if (torrent.empty() || torrent_name_.empty() || !all_verified_) return;
    if (torrent_name_ != CheckpointName(manifest_.height, offer_id_)) return;
    const std::string target = keep_dir_ + "/" + torrent_name_;
    struct stat st;
    if (::lstat(target.c_str(), &st) == 0) return;  // never over anything
    if (!ReplaceFileAtomically(Dir() + "/" + kTorrentFile, torrent).ok()) return;
    if (RenamePath(Dir(), target).ok()) RemoveTree(save_path_);
  }

  // Waits (the caller holds `lock`) until `done`, the swarm fails, the run
  // is cancelled or nothing arrives for stall_seconds. Whether `done`.
  template <typename Pred>
  bool WaitFor(std::unique_lock<std::mutex>& lock, Pred done) {
    last_progress_ = Clock::now();
    while (!done()) {
      if (cancelled_ || !error_.empty() || Stalled()) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
    return true;
  }

  Result<std::vector<ManifestOffer>> NoManifest(std::unique_lock<std::mutex>&,
                                                const std::string& why) {
    report_.why = !error_.empty() ? error_
                  : Stalled()     ? why + " (nothing from the swarm for " +
                                    std::to_string(static_cast<int>(options_.stall_seconds)) + " s)"
                              : why;
    return std::vector<ManifestOffer>{};
  }

  bool Stalled() const {
    return std::chrono::duration<double>(Clock::now() - last_progress_).count() >
           options_.stall_seconds;
  }

  // REQUIRES: mu_ held.
  void Want(int file) {
    if (!wanted_files_.insert(file).second) return;
    handle_.file_priority(lt::file_index_t(file), lt::default_priority);
    // With nothing wanted the torrent counts as finished and libtorrent lets
    // seeds go: ask the given peers again now that there is something to get.
    ConnectPeers();
  }

  void ConnectPeers() {
    for (const lt::tcp::endpoint& peer : peers_) handle_.connect_peer(peer);
  }

  // Names the files once the metadata is known. REQUIRES: mu_ held.
  void Map(const lt::torrent_info& ti) {
    const lt::file_storage& fs = ti.files();
    torrent_name_ = ti.name();
    for (lt::file_index_t f : fs.file_range()) {
      const int i = static_cast<int>(f);
      file_size_[i] = fs.file_size(f);
      if (fs.pad_file_at(f)) continue;
      std::string path = fs.file_path(f);
      const std::string prefix = torrent_name_ + "/";
      if (path.rfind(prefix, 0) != 0) continue;
      path = path.substr(prefix.size());
      if (path == kManifestFile) {
        if (static_cast<uint64_t>(fs.file_size(f)) <= kMaxManifestBytes) manifest_file_ = i;
      } else if (std::optional<uint64_t> chunk = ParseChunkFileName(path)) {
        chunk_files_[*chunk] = i;
      } else if (path.rfind(std::string(kSignatureDir) + "/", 0) == 0 &&
                 EndsWith(path, ".minisig") &&
                 static_cast<uint64_t>(fs.file_size(f)) <= kMaxSignatureFileBytes) {
        signature_files_[path.substr(std::string(kSignatureDir).size() + 1,
                                     path.size() - std::string(kSignatureDir).size() - 9)] = i;
      }
    }
    have_metadata_ = true;
    // Files asked for before the metadata came.
    std::set<int> asked;
    asked.swap(wanted_files_);
    for (int f : asked) Want(f);
  }

  void Pump() {
    std::vector<lt::alert*> alerts;
    auto last_poll = Clock::now();
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
      }
      session_->wait_for_alert(std::chrono::milliseconds(100));
      session_->pop_alerts(&alerts);
      std::lock_guard<std::mutex> lock(mu_);
      for (lt::alert* a : alerts) {
        if (debug_) std::fprintf(stderr, "libtorrent: %s: %s\n", a->what(), a->message().c_str());
        if (auto* done = lt::alert_cast<lt::file_completed_alert>(a)) {
          Completed(static_cast<int>(done->index));
        } else if (auto* meta = lt::alert_cast<lt::metadata_received_alert>(a)) {
          (void)meta;
          if (auto ti = handle_.torrent_file()) Map(*ti);
        } else if (lt::alert_cast<lt::cache_flushed_alert>(a)) {
          Flushed();
        } else if (auto* err = lt::alert_cast<lt::torrent_error_alert>(a)) {
          error_ = "libtorrent: " + err->error.message();
        } else if (auto* added = lt::alert_cast<lt::add_torrent_alert>(a)) {
          if (added->error) error_ = "libtorrent: " + added->error.message();
        } else if (lt::alert_cast<lt::hash_failed_alert>(a)) {
          // A piece failed the torrent's hashes: some peer sent bad data.
          // libtorrent drops it and asks for the piece again by itself.
          ++report_.strikes;
        } else if (auto* ban = lt::alert_cast<lt::peer_ban_alert>(a)) {
          ++bans_;
          if (banned_.size() < kListedBans) banned_.push_back(Endpoint(ban->endpoint));
        }
      }
      if (!have_metadata_ && handle_.is_valid()) {
        if (auto ti = handle_.torrent_file()) Map(*ti);
      }
      // Files complete before they were asked for (a kept directory being
      // resumed) raise no alert: poll the hashed progress once a second.
      if (have_metadata_ && Clock::now() - last_poll > std::chrono::seconds(1)) {
        last_poll = Clock::now();
        const std::vector<std::int64_t> progress =
            handle_.file_progress(lt::torrent_handle::piece_granularity);
        for (int f : wanted_files_) {
          if (f < static_cast<int>(progress.size()) && progress[f] == file_size_[f]) Completed(f);
        }
        const lt::torrent_status st = handle_.status(lt::status_flags_t{});
        // Given peers are asked again while something is wanted and none is
        // connected: a connect before the torrent was checked, or while it
        // counted as finished, is dropped.
        if (st.num_peers == 0 && !wanted_files_.empty()) {
          ConnectPeers();
          // Tracker peers that dropped us while nothing was wanted sit in
          // a reconnect back-off: ask the trackers again, at most every 10 s.
          if (Clock::now() - last_announce_ > std::chrono::seconds(10)) {
            last_announce_ = Clock::now();
            handle_.force_reannounce();
          }
        }
        if (debug_)
          std::fprintf(stderr, "status: paused %d peers %d list %d candidates %d state %d err %s\n",
                       static_cast<int>(bool(st.flags & lt::torrent_flags::paused)), st.num_peers,
                       st.list_peers, st.connect_candidates, static_cast<int>(st.state),
                       st.errc.message().c_str());
        if (static_cast<uint64_t>(st.total_payload_download) != report_.bytes) {
          report_.bytes = static_cast<uint64_t>(st.total_payload_download);
          last_progress_ = Clock::now();
        }
      }
      cv_.notify_all();
    }
  }

  // REQUIRES: mu_ held.
  // A file whose pieces all passed their hashes. It is read only once a
  // cache flush requested after that has completed: libtorrent may still
  // hold its last blocks in memory (or in the part file).
  void Completed(int file) {
    if (complete_.count(file) || !hashed_.insert(file).second) return;
    last_progress_ = Clock::now();
    if (flush_requested_) {
      after_flush_.push_back(file);
      return;
    }
    awaiting_flush_.push_back(file);
    flush_requested_ = true;
    handle_.flush_cache();
  }

  // REQUIRES: mu_ held.
  void Flushed() {
    flush_requested_ = false;
    for (int file : awaiting_flush_) {
      complete_.insert(file);
      for (const auto& [chunk, f] : chunk_files_) {
        if (f == file && pending_.count(chunk)) ready_.push_back(chunk);
      }
    }
    awaiting_flush_ = std::move(after_flush_);
    after_flush_.clear();
    if (!awaiting_flush_.empty()) {
      flush_requested_ = true;
      handle_.flush_cache();
    }
  }

  const std::string name_;
  const SwarmOptions options_;
  const std::string save_path_;
  const bool temporary_;
  std::unique_ptr<lt::session> session_;
  lt::torrent_handle handle_;
  std::string torrent_bytes_;  // the .torrent it came from, if not a magnet
  std::string keep_dir_;       // --keep-files DIR
  Hash offer_id_{};            // the manifest anchored
  size_t accepted_ = 0;        // chunks judged good
  bool whole_ = false;         // every chunk of it was wanted
  bool all_verified_ = false;  // and every one was judged good
  std::vector<lt::tcp::endpoint> peers_;
  std::thread pump_;
  const bool debug_ = DebugAlerts();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool cancelled_ = false;
  bool have_metadata_ = false;
  std::string error_;
  Clock::time_point last_progress_;
  Clock::time_point last_announce_;
  std::string torrent_name_;
  std::optional<int> manifest_file_;
  std::map<uint64_t, int> chunk_files_;
  std::map<std::string, int> signature_files_;
  std::map<int, std::int64_t> file_size_;
  std::set<int> wanted_files_;
  std::set<int> hashed_;    // every piece passed
  std::set<int> complete_;  // and flushed: safe to read
  std::vector<int> awaiting_flush_, after_flush_;
  bool flush_requested_ = false;
  Manifest manifest_;
  uint64_t wanted_count_ = 0;
  std::set<size_t> pending_;   // wanted, not yet handed out
  std::deque<size_t> ready_;   // complete on disk, to hand out
  std::vector<size_t> retry_;  // complete, but not yet moved out of the part file
  std::map<size_t, int> read_tries_;
  static constexpr int kReadTries = 100;  // 10 s
  std::map<size_t, ChunkProblem> failed_;
  MirrorReport report_;  // strikes: pieces that failed the torrent's hashes, chunks their proofs
  uint64_t bans_ = 0;    // peers libtorrent banned for them
  std::vector<std::string> banned_;  // the first kListedBans of them, IP:PORT
  static constexpr size_t kListedBans = 8;
};

}  // namespace

bool IsTorrentSource(std::string_view source) {
  return source.rfind("magnet:?", 0) == 0 || EndsWith(source, ".torrent");
}

Result<std::unique_ptr<ChunkSource>> NewSwarmSource(const std::string& source,
                                                    const HttpOptions& http) {
  std::string torrent_bytes;
  CHECKPOINT_ASSIGN_OR_RETURN(lt::add_torrent_params params,
                              LoadTorrent(source, http, &torrent_bytes));
  const SwarmOptions& options = http.swarm;
  std::string dir = options.keep_dir, keep_dir;
  const bool temporary = dir.empty();
  if (temporary) {
    const char* tmp = ::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/checkpoint-swarm-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      return Status::IOError("cannot make a temporary directory: " + std::string(strerror(errno)));
    }
    dir = pattern;
  } else {
    // A kept directory of an earlier run resumes (libtorrent checks what is
    // there against the torrent's hashes); a link is not followed.
    std::error_code ec;
    if (fs::is_symlink(dir, ec) || (fs::exists(dir, ec) && !fs::is_directory(dir, ec)))
      return Status::InvalidArgument("--keep-files " + dir + " is not a directory");
    CHECKPOINT_RETURN_IF_ERROR(MakeDir(dir));
    const lt::info_hash_t& ih = params.ti ? params.ti->info_hashes() : params.info_hashes;
    const std::string partial = dir + "/" + kSwarmPrefix + lt::aux::to_hex(ih.get_best());
    struct stat st;
    if (::lstat(partial.c_str(), &st) != 0) {
      CHECKPOINT_RETURN_IF_ERROR(MakeNewDir(partial));
    } else if (!S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(partial + " is not a directory (a link is not followed)");
    }
    keep_dir = dir;
    dir = partial;
  }
  const std::string name =
      source.rfind("magnet:?", 0) == 0 ? "swarm (magnet)" : "swarm " + net::RedactUrl(source);
  auto swarm = std::make_unique<SwarmSource>(name, options, dir, temporary);
  swarm->set_torrent_bytes(std::move(torrent_bytes));
  swarm->set_keep_dir(keep_dir);
  CHECKPOINT_RETURN_IF_ERROR(swarm->Open(std::move(params)));
  return std::unique_ptr<ChunkSource>(std::move(swarm));
}

}  // namespace checkpoint::torrent
