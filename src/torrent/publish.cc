// checkpoint.torrent: a deterministic hybrid torrent of a checkpoint.
#include "checkpoint/publish.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/load_torrent.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>

#include "checkpoint/sign.h"
#include "checkpoint/store.h"
#include "net/http.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/store_index.h"
#include "torrent/publish_internal.h"

namespace checkpoint {
namespace fs = std::filesystem;
namespace {

bool UrlOk(const std::string& url, bool udp_too) {
  const bool scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0 ||
                      (udp_too && url.rfind("udp://", 0) == 0);
  return scheme && url.size() < 2048 &&
         std::none_of(url.begin(), url.end(), [](char c) { return c <= ' ' || c == 0x7f; });
}

// The files a torrent of checkpoint `dir` covers, relative to it: every one
// a regular file (no link), as ReadCompleteCheckpoint found the chunks.
Result<std::vector<std::pair<std::string, uint64_t>>> TorrentFiles(const std::string& dir,
                                                                   bool staging) {
  CHECKPOINT_ASSIGN_OR_RETURN(StoredCheckpoint c, ReadCompleteCheckpoint(dir, staging));
  std::vector<std::pair<std::string, uint64_t>> files;
  auto add = [&](const std::string& rel) -> Status {
    struct stat st;
    const std::string path = dir + "/" + rel;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::Corruption(path + " is not a regular file (a link is not followed)");
    }
    files.emplace_back(rel, static_cast<uint64_t>(st.st_size));
    return Status::OK();
  };
  for (const char* sub : {kChunkDir, kSignatureDir}) {
    struct stat st;
    const std::string path = dir + "/" + sub;
    if (::lstat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      return Status::Corruption(path + " is not a directory (a link is not followed)");
    }
  }
  CHECKPOINT_RETURN_IF_ERROR(add(kManifestFile));
  for (size_t i = 0; i < c.manifest.chunks.size(); ++i) {
    CHECKPOINT_RETURN_IF_ERROR(add(ChunkFileName(i)));
  }
  const std::string sig_dir = dir + "/" + kSignatureDir;
  struct stat st;
  if (::lstat(sig_dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::Corruption(sig_dir + " is not a directory");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(sig_dir, ec)) {
      const std::string name = e.path().filename().string();
      if (name.size() == 16 + 8 && name.substr(16) == ".minisig") {
        CHECKPOINT_RETURN_IF_ERROR(add(std::string(kSignatureDir) + "/" + name));
      }
    }
  }
  // BEP 52 orders a torrent's files by path; so does libtorrent for a hybrid
  // torrent. Sorting here makes the order ours too, whatever the directory.
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Status TorrentMatchesCheckpoint(const lt::torrent_info& ti, const std::string& dir) {
  CHECKPOINT_ASSIGN_OR_RETURN(auto want, TorrentFiles(dir, /*staging=*/false));
  std::vector<std::pair<std::string, uint64_t>> got;
  const lt::file_storage& files = ti.files();
  const std::string prefix = ti.name() + "/";
  for (lt::file_index_t f : files.file_range()) {
    if (files.pad_file_at(f)) continue;
    if (files.file_flags(f) & lt::file_storage::flag_symlink) {
      return Status::Corruption("the torrent lists a link");
    }
    const std::string path = files.file_path(f);
    if (path.rfind(prefix, 0) != 0) return Status::Corruption("the torrent lists " + path);
    got.emplace_back(path.substr(prefix.size()), static_cast<uint64_t>(files.file_size(f)));
  }
  std::sort(got.begin(), got.end());
  if (got != want) return Status::Corruption("the torrent's files are not the checkpoint's");
  return Status::OK();
}

uint64_t TorrentPieceSize(uint64_t total_bytes) {
  uint64_t piece = 16 << 10;
  while (piece < (16ull << 20) && (total_bytes + piece - 1) / piece > 4096) piece *= 2;
  return piece;
}

Result<PublishResult> MakeTorrent(const std::string& dir, const std::string& name,
                                  const PublishOptions& options, std::string* torrent) {
  for (const std::string& url : options.trackers) {
    if (!UrlOk(url, true))
      return Status::InvalidArgument("--tracker takes an http(s):// or udp:// URL: " + url);
  }
  for (const std::string& url : options.webseeds) {
    if (!UrlOk(url, false))
      return Status::InvalidArgument("--webseed takes an http(s):// URL: " + url);
  }
  const fs::path where = fs::absolute(dir).lexically_normal();
  const std::string read_name = where.filename().string();
  CHECKPOINT_ASSIGN_OR_RETURN(auto files, TorrentFiles(dir, read_name != name));
  lt::file_storage storage;
  uint64_t total = 0;
  // Read from `dir` under its own name; named `name` once hashed (create
  // hashes its staging directory before the rename).
  for (const auto& [rel, size] : files) {
    storage.add_file(read_name + "/" + rel, static_cast<std::int64_t>(size));
    total += size;
  }
  PublishResult r;
  r.piece_size = TorrentPieceSize(total);
  lt::create_torrent t(storage, static_cast<int>(r.piece_size));
  // Nothing that depends on when or by what it was made.
  t.set_creation_date(0);
  t.set_creator("checkpoint");
  for (const std::string& url : options.trackers) t.add_tracker(url);
  for (const std::string& url : options.webseeds) t.add_url_seed(url);
  lt::error_code ec;
  lt::set_piece_hashes(t, where.parent_path().string(), ec);
  if (ec) return Status::IOError("hashing " + dir + ": " + ec.message());
  storage.set_name(name);
  const std::vector<char> buf = t.generate_buf();
  torrent->assign(buf.begin(), buf.end());
  const lt::torrent_info info(
      lt::span<char const>(buf.data(), static_cast<std::ptrdiff_t>(buf.size())), lt::from_span);
  r.info_hash_v1 = lt::aux::to_hex(info.info_hashes().v1);
  r.info_hash_v2 = lt::aux::to_hex(info.info_hashes().v2);
  r.magnet = lt::make_magnet_uri(info);
  return r;
}

std::optional<PublishOptions> PublishedOptions(const std::string& ckpt) {
  std::string bytes;
  if (!ReadFileBounded(ckpt + "/" + kTorrentFile, kMaxTorrentFileBytes, &bytes).ok())
    return std::nullopt;
  lt::load_torrent_limits limits;
  limits.max_buffer_size = static_cast<int>(kMaxTorrentFileBytes);
  lt::add_torrent_params p;
  try {
    p = lt::load_torrent_buffer(
        lt::span<char const>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), limits);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  PublishOptions options;
  for (const std::string& url : p.trackers)
    if (UrlOk(url, true)) options.trackers.push_back(url);
  for (const std::string& url : p.url_seeds)
    if (UrlOk(url, false)) options.webseeds.push_back(url);
  return options;
}

Result<PublishResult> WriteTorrent(const std::string& ckpt, const PublishOptions& options) {
  std::string torrent;
  CHECKPOINT_ASSIGN_OR_RETURN(
      PublishResult r, MakeTorrent(ckpt, fs::path(ckpt).filename().string(), options, &torrent));
  r.path = ckpt + "/" + kTorrentFile;
  CHECKPOINT_RETURN_IF_ERROR(ReplaceFileAtomically(r.path, torrent));
  return r;
}

Result<PublishResult> PublishCheckpoint(const std::string& checkpoint_arg,
                                        const PublishOptions& options) {
  CHECKPOINT_ASSIGN_OR_RETURN(std::string ckpt, ResolveCheckpoint(checkpoint_arg));
  CHECKPOINT_ASSIGN_OR_RETURN(StoreLock lock,
                              StoreLock::Acquire(StoreOf(ckpt), options.lock_wait_seconds));
  CHECKPOINT_ASSIGN_OR_RETURN(PublishResult r, WriteTorrent(ckpt, options));
  // index.json carries the magnet link.
  CHECKPOINT_RETURN_IF_ERROR(WriteStoreIndex(StoreOf(ckpt), lock));
  return r;
}

}  // namespace checkpoint
