// Store operations: the lock, listing, retention, deletion, pins.
#include "checkpoint/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkpoint/checkpoint.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/signatures.h"
#include "ops/store_index.h"
#include "util/clock.h"

namespace checkpoint {
namespace fs = std::filesystem;
namespace {

// Removes staging and trash directories crashed runs left (never a partial
// download: it is kept to resume). REQUIRES: the lock.
void RemoveLeftovers(const std::string& store) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(store, ec)) {
    if (IsCrashLeftover(e.path().filename().string())) RemoveTree(e.path().string());
  }
}

// Anything at CKPT/pinned pins: a marker that cannot be read (a directory,
// a FIFO, a dangling link, no permission) keeps the checkpoint, with a
// warning, rather than letting prune delete what someone meant to keep.
void ReadPin(const std::string& dir, StoredCheckpoint* c, std::vector<std::string>* warnings) {
  const std::string path = dir + "/" + kPinFile;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return;
  c->pinned = true;
  std::string pin;
  Status s = ReadFileBounded(path, 1 << 16, &pin);
  if (s.ok()) {
    c->pin_reason = pin.substr(0, pin.find('\n'));
  } else {
    c->pin_reason = "(unreadable pin marker)";
    warnings->push_back(path + " cannot be read (" + s.message() + "): kept as pinned");
  }
}

std::string HolderOf(int fd) {
  char buf[64] = {};
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "another process" : "pid " + pid;
}

}  // namespace

Result<StoreLock> StoreLock::Acquire(const std::string& store, double wait_seconds) {
  CHECKPOINT_RETURN_IF_ERROR(MakeDir(store));
  const std::string path = store + "/" + kLockFile;
  int fd = -1;
  // Never through a link: the pid is written into whatever this opens.
  CHECKPOINT_RETURN_IF_ERROR(OpenRegularFile(path, O_RDWR | O_CREAT, &fd));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      ::close(fd);
      return Status::IOError("cannot lock " + path + ": " + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string holder = HolderOf(fd);
      ::close(fd);
      return Status::Busy("store " + store + " is locked by " + holder);
    }
    // Polling is how --wait works: flock has no timed wait.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // flock cannot tell who holds it, so the holder says so in the file.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    ::close(fd);
    return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::stat(store.c_str(), &st) != 0) {
    ::close(fd);
    return Status::IOError("cannot stat " + store + ": " + std::strerror(errno));
  }
  RemoveLeftovers(store);
  return StoreLock(fd, st.st_dev, st.st_ino);
}

Status StoreLock::Guards(const std::string& store) const {
  struct stat st;
  if (fd_ >= 0 && ::stat(store.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
    return Status::OK();
  return Status::InvalidArgument("the store lock held is not the lock of " + store);
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<StoreListing> ListStore(const std::string& store) {
  std::error_code ec;
  if (!fs::is_directory(store, ec)) return Status::NotFound("no store at " + store);
  StoreListing out;
  for (const auto& e : fs::directory_iterator(store, ec)) {
    const std::string name = e.path().filename().string();
    const std::string path = fs::absolute(e.path()).lexically_normal().string();
    if (const char* kind = LeftoverKind(name)) {
      out.leftovers.push_back({path, kind});
      continue;
    }
    if (!e.is_directory(ec) || name[0] == '.') continue;
    Result<StoredCheckpoint> read = ReadCompleteCheckpoint(path);
    if (!read.ok()) {
      out.leftovers.push_back({path, "incomplete"});
      continue;
    }
    StoredCheckpoint& c = *read;
    ReadPin(path, &c, &out.warnings);
    c.signatures = ReadSignatureClaims(path);
    std::string info;
    if (ReadFileBounded(path + "/" + kInfoFile, kMaxInfoFileBytes, &info).ok()) {
      auto j = nlohmann::json::parse(info, nullptr, false);
      if (j.is_object() && j.contains("created") && j["created"].is_string())
        c.created = j["created"];
    }
    auto mtime = fs::last_write_time(path + "/" + kManifestFile, ec);
    if (!ec) c.created_order = std::chrono::duration<double>(mtime.time_since_epoch()).count();
    out.checkpoints.push_back(std::move(c));
  }
  std::sort(out.checkpoints.begin(), out.checkpoints.end(), [](const auto& a, const auto& b) {
    if (a.manifest.height != b.manifest.height) return a.manifest.height < b.manifest.height;
    if (a.created_order != b.created_order) return a.created_order < b.created_order;
    return a.name < b.name;
  });
  std::sort(out.leftovers.begin(), out.leftovers.end(),
            [](const Leftover& a, const Leftover& b) { return a.path < b.path; });
  return out;
}

std::vector<StoredCheckpoint> SelectForDeletion(const StoreListing& listing, const Retention& rule,
                                                std::vector<std::string>* kept_as_base) {
  std::vector<StoredCheckpoint> out;
  uint64_t unpinned_seen = 0;
  // Newest first: highest height, then the newest created.
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    const StoredCheckpoint& c = *it;
    const bool newest_unpinned = !c.pinned && unpinned_seen++ < rule.keep_last;
    const bool keep = c.pinned || c.name == rule.protect || newest_unpinned ||
                      (rule.keep_every != 0 && c.manifest.height % rule.keep_every == 0);
    if (!keep) out.push_back(c);
  }
  std::reverse(out.begin(), out.end());
  // A kept delta is of no use without a full checkpoint of its base.
  auto is_base_of = [](const StoredCheckpoint& full, const ManifestBase& b) {
    return !full.manifest.is_delta() && full.manifest.height == b.height &&
           full.manifest.root == b.root && (!b.id || *b.id == full.id);
  };
  auto doomed = [&](const StoredCheckpoint& c) {
    return std::any_of(out.begin(), out.end(),
                       [&](const StoredCheckpoint& d) { return d.name == c.name; });
  };
  for (const StoredCheckpoint& delta : listing.checkpoints) {
    if (!delta.manifest.base || doomed(delta)) continue;
    for (auto it = out.begin(); it != out.end();) {
      if (!is_base_of(*it, *delta.manifest.base)) {
        ++it;
        continue;
      }
      if (kept_as_base) kept_as_base->push_back(it->path + ": the base of delta " + delta.name);
      it = out.erase(it);
    }
  }
  return out;
}

Status DeleteCheckpoint(const std::string& store, const StoreLock& lock,
                        const StoredCheckpoint& c) {
  CHECKPOINT_RETURN_IF_ERROR(lock.Guards(store));
  const std::string trash = store + "/" + TrashName(c.name);
  CHECKPOINT_RETURN_IF_ERROR(RenamePath(c.path, trash));
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(store));
  RemoveTree(trash);
  return WriteStoreIndex(store, lock);
}

Status ApplyRetention(const std::string& store, const StoreLock& lock, const Retention& rule,
                      bool dry_run, RetentionReport* report) {
  CHECKPOINT_RETURN_IF_ERROR(lock.Guards(store));
  CHECKPOINT_ASSIGN_OR_RETURN(StoreListing listing, ListStore(store));
  report->warnings = std::move(listing.warnings);
  for (StoredCheckpoint& c : SelectForDeletion(listing, rule, &report->kept_as_base)) {
    if (!dry_run) CHECKPOINT_RETURN_IF_ERROR(DeleteCheckpoint(store, lock, c));
    report->deleted.push_back(std::move(c));
  }
  return dry_run ? Status::OK() : WriteStoreIndex(store, lock);
}

Status Pin(const std::string& checkpoint, const StoreLock& lock, const std::string& reason) {
  CHECKPOINT_RETURN_IF_ERROR(lock.Guards(StoreOf(checkpoint)));
  if (reason.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("a pin reason is one line");
  }
  const std::string when = UtcTimestamp();
  // The temporary is made exclusively and removed if anything fails.
  CHECKPOINT_RETURN_IF_ERROR(ReplaceFileAtomically(checkpoint + "/" + kPinFile,
                                                   reason + "\n" + when + "\n",
                                                   std::string(".") + kPinFile + ".tmp"));
  return WriteStoreIndex(StoreOf(checkpoint), lock);
}

Result<std::string> ResolveCheckpoint(const std::string& arg) {
  // realpath settles "CKPT/", ".", "..", and links: one checkpoint, one
  // spelling, so its parent is the store whose lock guards it.
  char* real = ::realpath(arg.c_str(), nullptr);
  if (!real) return Status::NotFound("no checkpoint at " + arg + ": " + std::strerror(errno));
  const std::string path(real);
  std::free(real);
  struct stat st;
  if (path == "/" || ::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
      ::lstat((path + "/" + kManifestFile).c_str(), &st) != 0) {
    return Status::NotFound("no checkpoint at " + arg);
  }
  return path;
}

std::string StoreOf(const std::string& checkpoint) {
  return fs::path(checkpoint).parent_path().string();
}

Status Unpin(const std::string& checkpoint, const StoreLock& lock) {
  CHECKPOINT_RETURN_IF_ERROR(lock.Guards(StoreOf(checkpoint)));
  const std::string path = checkpoint + "/" + kPinFile;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError("cannot remove " + path + ": " + std::strerror(errno));
  }
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(checkpoint));
  return WriteStoreIndex(StoreOf(checkpoint), lock);
}

}  // namespace checkpoint
