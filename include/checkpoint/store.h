// A checkpoint store: a directory of checkpoints, and what operators do to it
// (DESIGN §9): lock it, list it, prune it, pin checkpoints.
//
// Every change to a store happens under its lock (flock on STORE/.lock, the
// holder's pid written into it); the kernel releases it when the holder dies,
// so it is never stale. Deleting renames a checkpoint to a trash name first,
// so a crash never leaves something that lists as a checkpoint.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/manifest.h"
#include "checkpoint/status.h"

namespace checkpoint {

// The lock of one store, held for the object's life (RAII). Functions that
// change a store take `const StoreLock&`: holding one is the proof that the
// caller may. Not copyable; movable.
class StoreLock {
 public:
  // Takes the lock of `store` (made if missing). Busy: another process holds
  // it (the message names its pid) and `wait_seconds` passed. On success,
  // removes what crashed runs left (staging and trash directories; a partial
  // download stays, to be resumed).
  static Result<StoreLock> Acquire(const std::string& store, double wait_seconds);
  StoreLock(StoreLock&& o) noexcept : fd_(o.fd_), dev_(o.dev_), ino_(o.ino_) { o.fd_ = -1; }
  StoreLock& operator=(StoreLock&&) = delete;
  ~StoreLock();

  // OK when this is the lock of the store directory `store` (however it is
  // spelled); InvalidArgument otherwise.
  Status Guards(const std::string& store) const;

 private:
  StoreLock(int fd, uint64_t dev, uint64_t ino) : fd_(fd), dev_(dev), ino_(ino) {}
  int fd_;
  uint64_t dev_, ino_;  // the store directory's
};

// A signature file in CKPT/signatures/ as it describes itself: NOT verified
// (verify --pubkey does that), for showing who claims to have signed.
struct SignatureClaim {
  std::string key_id;                  // 16 hex digits
  std::optional<int64_t> signed_time;  // Unix seconds, from the trusted comment
  std::string trusted_comment;
};

struct StoredCheckpoint {
  std::string name;  // <height>-<id12>
  std::string path;  // absolute
  Manifest manifest;
  Hash id{};
  bool pinned = false;
  std::string pin_reason;
  std::string created;       // from the info file (not trusted), else ""
  double created_order = 0;  // seconds since the epoch, for ties between equal heights
  uint64_t bytes = 0;        // chunk files
  std::vector<SignatureClaim> signatures;  // by key id; unreadable files left out
};

struct Leftover {
  std::string path;
  std::string kind;  // "staging", "trash", "partial" (a download), "swarm" (a kept torrent
                     // download), "incomplete"
};

struct StoreListing {
  std::vector<StoredCheckpoint> checkpoints;  // ascending height
  std::vector<Leftover> leftovers;
  std::vector<std::string> warnings;  // e.g. a pin marker that cannot be read (kept as pinned)
};

// Lists complete checkpoints (name, manifest, id and every chunk file agree)
// and, separately, anything else that looks like one. Never blocks on a
// FIFO; anything at CKPT/pinned pins, readable or not.
Result<StoreListing> ListStore(const std::string& store);

struct Retention {
  uint64_t keep_last = 0;   // the newest N unpinned (highest height; ties: newest created)
  uint64_t keep_every = 0;  // and every checkpoint whose height is a multiple of K (0: none)
  std::string protect;      // a name never deleted (the one just created)
};

// The checkpoints `rule` does not keep (pins are always kept), except a full
// checkpoint a kept delta needs as its base (the one whose id it names, or
// every full one of its base height and root): each such is kept, and named
// in *kept_as_base ("<path>: the base of delta <name>") when given.
std::vector<StoredCheckpoint> SelectForDeletion(const StoreListing& listing, const Retention& rule,
                                                std::vector<std::string>* kept_as_base = nullptr);

// Renames to trash, fsyncs the store, removes. REQUIRES: `lock` guards `store`.
Status DeleteCheckpoint(const std::string& store, const StoreLock& lock, const StoredCheckpoint& c);

struct RetentionReport {
  std::vector<StoredCheckpoint> deleted;  // or, with dry_run, those that would be; ascending height
  std::vector<std::string> warnings;      // the listing's (e.g. an unreadable pin marker)
  std::vector<std::string> kept_as_base;  // full checkpoints kept for a kept delta, and why
};

// Lists `store` and deletes what `rule` does not keep (with `dry_run`, only
// reports it). On a failed deletion, returns its error; `report` then holds
// what was deleted before it. REQUIRES: `lock` guards `store`.
Status ApplyRetention(const std::string& store, const StoreLock& lock, const Retention& rule,
                      bool dry_run, RetentionReport* report);

// The canonical path (no ".", "..", trailing slash or link) of the checkpoint
// directory a user named; NotFound when it is not one. Resolve before
// locking: the store is its parent, and its lock is the one to take.
Result<std::string> ResolveCheckpoint(const std::string& arg);
// The store holding the canonical checkpoint path `checkpoint`.
std::string StoreOf(const std::string& checkpoint);

// Writes (atomically, never through a link) or removes CKPT/pinned. A reason
// is one line (InvalidArgument otherwise). REQUIRES: `lock` guards
// StoreOf(checkpoint).
Status Pin(const std::string& checkpoint, const StoreLock& lock, const std::string& reason);
Status Unpin(const std::string& checkpoint, const StoreLock& lock);

// CKPT/pinned (the pin marker) and STORE/.lock (the lock file).
extern const char* const kPinFile;
extern const char* const kLockFile;

}  // namespace checkpoint
