// RocksStore: the NodeStore on RocksDB.
//
// Memory is bounded by a fixed block cache that also holds index and filter
// blocks, so it does not grow with the database (DESIGN §5).
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_buffer_manager.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "store/node_store.h"

namespace checkpoint {
namespace {

const char* const kColumnNames[kColumnCount] = {"default", "nodes", "stale"};

Status FromRocks(const rocksdb::Status& s, const std::string& context) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(context + ": " + s.ToString());
  if (s.IsCorruption()) return Status::Corruption(context + ": " + s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(context + ": " + s.ToString());
  if (s.IsNotSupported()) return Status::NotSupported(context + ": " + s.ToString());
  return Status::IOError(context + ": " + s.ToString());
}

// Whether an open failed because another holder has the database's LOCK.
// RocksDB 7.8 gives that no code of its own: a plain IOError, subcode kNone,
// errno only in the text (env/fs_posix.cc, LockFile). So the text it is:
//   another process: "IO error: While lock file: DIR/LOCK: Resource temporarily unavailable"
//   this process:    "IO error: lock hold by current process, acquire time ... DIR/LOCK: ..."
// Exercised by rocks_test ("in use by another process", the same-process case)
// and paths-cli (a second process).
bool IsLockHeld(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  const std::string text = s.ToString();
  return text.find("While lock file: ") != std::string::npos ||
         text.find("lock hold by current process") != std::string::npos;
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// Table files staged for ingestion; removed unless ingestion moved them in
// (a crash leaves them to the next open, which clears ingest-tmp).
struct RocksStaged : public StagedRuns {
  std::vector<std::pair<Column, std::string>> files;
  ~RocksStaged() override {
    for (const auto& f : files) ::unlink(f.second.c_str());
  }
};

// Writes without syncing. Only for staged table files: ingestion syncs each
// one itself before naming it in the MANIFEST (ExternalSstFileIngestionJob::
// Prepare), so a sync here would only wait for the disk twice.
class UnsyncedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
};

class UnsyncedFileSystem : public rocksdb::FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  static const char* kClassName() { return "UnsyncedFileSystem"; }
  const char* Name() const override { return kClassName(); }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) result->reset(new UnsyncedFile(std::move(file)));
    return s;
  }
};

// `dir` as a directory only this user may enter, made if missing; refused
// when it is a link or anything else. Staged table files are written there
// by name, so a link swapped in for it would send them elsewhere (the open
// removed whatever stood there before; a swap after this check needs this
// user's rights).
Status PrivateDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("cannot create " + dir + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    return Status::IOError("cannot stat " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    return Status::IOError(dir + " is not this database's staging directory (a link, or not " +
                           "private to this user): remove it");
  }
  return Status::OK();
}

class RocksSnapshot : public StoreSnapshot {
 public:
  RocksSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snap) : db_(db), snap(snap) {}
  ~RocksSnapshot() override {
    if (snap) db_->ReleaseSnapshot(snap);
  }
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap;
};

const rocksdb::Snapshot* Raw(const StoreSnapshot* s) {
  return s ? static_cast<const RocksSnapshot*>(s)->snap : nullptr;
}

// RocksDB counts every read step into a thread-local perf context unless
// told not to (the default level is kEnableCount). Nothing here reads it, and
// a full walk of 10 M keys took 0.96 of the time without it (walk-bench, 6
// alternating pairs); the level is the calling thread's, shared with an
// embedding program's own RocksDB use, so it is put back after each call.
class NoPerfCounting {
 public:
  NoPerfCounting() : saved_(rocksdb::GetPerfLevel()) {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  }
  ~NoPerfCounting() { rocksdb::SetPerfLevel(saved_); }
  NoPerfCounting(const NoPerfCounting&) = delete;
  NoPerfCounting& operator=(const NoPerfCounting&) = delete;

 private:
  rocksdb::PerfLevel saved_;
};

class RocksIterator : public StoreIterator {
 public:
  explicit RocksIterator(rocksdb::Iterator* it) : it_(it) {}
  bool Valid() const override { return it_->Valid(); }
  void Seek(std::string_view target) override {
    NoPerfCounting no_perf;
    it_->Seek(ToSlice(target));
  }
  void Next() override {
    NoPerfCounting no_perf;
    it_->Next();
  }
  std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
  Status status() const override { return FromRocks(it_->status(), "iterator"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksStore : public NodeStore {
 public:
  ~RocksStore() override {
    if (!db_) {  // a failed open
      if (!secondary_dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(secondary_dir_, ec);
      }
      return;
    }
    if (!read_only_) {
      // Leave no memtable to replay: the next opener (often a read-only view)
      // then reads only table files.
      rocksdb::FlushOptions fo;
      (void)db_->Flush(fo, handles_);
    }
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_.reset();
    if (!secondary_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(secondary_dir_, ec);
    }
  }

  Status Get(Column c, std::string_view key, std::string* value,
             const StoreSnapshot* snapshot) override {
    NoPerfCounting no_perf;
    rocksdb::ReadOptions ro;
    ro.snapshot = Raw(snapshot);
    rocksdb::PinnableSlice v;
    rocksdb::ColumnFamilyHandle* h = Handle(c);
    if (!h) return NotOpened(c);
    rocksdb::Status s = db_->Get(ro, h, ToSlice(key), &v);
    if (s.IsNotFound()) return Status::NotFound("not found");
    if (!s.ok()) return FromRocks(s, "read");
    value->assign(v.data(), v.size());
    return Status::OK();
  }

  Status Write(const WriteBatch& batch, bool sync) override {
    if (read_only_) return Status::NotSupported("database is open read-only");
    rocksdb::WriteBatch wb;
    for (const auto& e : batch.entries()) {
      auto* h = handles_[static_cast<int>(e.column)];
      rocksdb::Status s;
      switch (e.op) {
        case WriteBatch::Op::kPut:
          s = wb.Put(h, e.key, e.value);
          break;
        case WriteBatch::Op::kDelete:
          s = wb.Delete(h, e.key);
          break;
        case WriteBatch::Op::kDeleteRange:
          s = wb.DeleteRange(h, e.key, e.value);
          break;
      }
      if (!s.ok()) return FromRocks(s, "write batch");
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, &wb), "write");
  }

  std::unique_ptr<StoreIterator> NewIterator(Column c, const StoreSnapshot* snapshot,
                                             size_t readahead_bytes) override {
    rocksdb::ReadOptions ro;
    ro.snapshot = Raw(snapshot);
    if (readahead_bytes) {
      // RocksDB's own readahead grows from 8 KiB to max_auto_readahead_size.
      ro.readahead_size = readahead_bytes == kGrowingReadahead ? 0 : readahead_bytes;
      ro.fill_cache = false;  // a walk would only evict what others need
    }
    rocksdb::ColumnFamilyHandle* h = Handle(c);
    if (!h)
      return std::make_unique<RocksIterator>(
          rocksdb::NewErrorIterator(rocksdb::Status::NotSupported(NotOpened(c).message())));
    return std::make_unique<RocksIterator>(db_->NewIterator(ro, h));
  }

  std::shared_ptr<const StoreSnapshot> GetSnapshot() override {
    // A secondary never catches up after open, so it is a snapshot already
    // (and RocksDB does not support snapshots on it).
    if (read_only_) return std::make_shared<RocksSnapshot>(db_.get(), nullptr);
    return std::make_shared<RocksSnapshot>(db_.get(), db_->GetSnapshot());
  }

  Status Compact(Column c) override {
    if (read_only_) return Status::NotSupported("database is open read-only");
    rocksdb::ColumnFamilyHandle* h = Handle(c);
    if (!h) return NotOpened(c);
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    co.exclusive_manual_compaction = false;  // other columns' compactions go on
    return FromRocks(db_->CompactRange(co, h, nullptr, nullptr), "compact");
  }

  Result<std::unique_ptr<StagedRuns>> Stage(const std::vector<SortedRun>& runs) override {
    if (read_only_) return Status::NotSupported("database is open read-only");
    // Table files are written inside the database directory (same file
    // system: ingestion links them), unsynced: ingestion syncs each file
    // before the MANIFEST names it, so the wait falls on the ingesting thread.
    const std::string tmp = dir_ + "/ingest-tmp";
    CHECKPOINT_RETURN_IF_ERROR(PrivateDir(tmp));
    auto staged = std::make_unique<RocksStaged>();
    static std::atomic<uint64_t> counter{0};
    for (const SortedRun& run : runs) {
      if (run.entries.empty()) continue;
      const std::string file = tmp + "/" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter.fetch_add(1)) + ".sst";
      rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options_for_sst_,
                                    handles_[static_cast<int>(run.column)],
                                    /*invalidate_page_cache=*/false);
      CHECKPOINT_RETURN_IF_ERROR(FromRocks(writer.Open(file), "table file"));
      staged->files.push_back({run.column, file});
      // Callers build all their records first (a restore: a whole chunk),
      // so they are out of the cache by now: fetch a few ahead, or each Put
      // waits on its key's first read (the order check's memcmp) and its
      // value's (the block's copy).
      constexpr size_t kAhead = 8;
      const auto& entries = run.entries;
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i + kAhead < entries.size()) {
          const auto& [key, value] = entries[i + kAhead];
          __builtin_prefetch(key.data());
          __builtin_prefetch(value.data());
          if (value.size() > 64) __builtin_prefetch(value.data() + 64);
        }
        const auto& [key, value] = entries[i];
        CHECKPOINT_RETURN_IF_ERROR(
            FromRocks(writer.Put(ToSlice(key), ToSlice(value)), "table file"));
      }
      CHECKPOINT_RETURN_IF_ERROR(FromRocks(writer.Finish(), "table file"));
    }
    return std::unique_ptr<StagedRuns>(std::move(staged));
  }

  Status IngestStaged(std::vector<std::unique_ptr<StagedRuns>> sets) override {
    if (read_only_) return Status::NotSupported("database is open read-only");
    std::vector<rocksdb::IngestExternalFileArg> args;
    for (int c = 0; c < kColumnCount; ++c) {
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = handles_[c];
      for (const auto& set : sets) {
        for (const auto& [column, file] : static_cast<const RocksStaged&>(*set).files) {
          if (static_cast<int>(column) == c) arg.external_files.push_back(file);
        }
      }
      if (arg.external_files.empty()) continue;
      arg.options.move_files = true;
      arg.options.snapshot_consistency = true;
      arg.options.allow_global_seqno = true;
      arg.options.allow_blocking_flush = true;
      args.push_back(std::move(arg));
    }
    if (args.empty()) return Status::OK();
    return FromRocks(db_->IngestExternalFiles(args), "ingest");
  }

  static Result<std::unique_ptr<NodeStore>> Open(const std::string& dir,
                                                 const RocksStoreOptions& options);

 private:
  // Null for a column a meta-only open left closed (writers never are).
  rocksdb::ColumnFamilyHandle* Handle(Column c) const {
    const size_t i = static_cast<size_t>(c);
    return i < handles_.size() ? handles_[i] : nullptr;
  }
  static Status NotOpened(Column c) {
    return Status::NotSupported(std::string("column ") + kColumnNames[static_cast<int>(c)] +
                                " is not open (a meta-only view)");
  }

  std::string dir_;
  std::unique_ptr<rocksdb::Env> unsynced_env_;  // table files' (see Stage)
  rocksdb::Options options_for_sst_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  bool read_only_ = false;
  std::string secondary_dir_;
};

// Scratch directories of read-only opens whose process is gone (SIGKILL
// skips the destructor that removes them).
void RemoveDeadScratchDirs() {
  std::error_code ec;
  const std::string prefix = "checkpoint-secondary-";
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || rest.find_first_not_of("0123456789") != dash)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    if (::kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove_all(e.path(), ec);
  }
}

// A directory holding only what RocksDB writes before CURRENT: a creation
// that was killed early. Creating over it is safe; over anything else is not.
bool OnlyRocksFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    const bool ours = n == "LOCK" || n == "IDENTITY" || n == "ingest-tmp" ||
                      n.rfind("LOG", 0) == 0 || n.rfind("MANIFEST-", 0) == 0 ||
                      n.rfind("OPTIONS-", 0) == 0 || e.path().extension() == ".log" ||
                      e.path().extension() == ".dbtmp";
    if (!ours) return false;
  }
  return !ec;
}

rocksdb::ColumnFamilyOptions ColumnOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.block_size = 16 << 10;
  // A full walk's first read of each file is small (most files hold little
  // of a chunk's range, and a fixed 2 MiB was read from each at every
  // chunk's Seek), its later ones large: node_reader.cc.
  t.max_auto_readahead_size = 2 << 20;
  // No bloom filters: every node read names a record that exists (parents
  // name children exactly), so a filter could only cost cache space.
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  cf.write_buffer_size = 64 << 20;
  cf.max_write_buffer_number = 3;
  cf.target_file_size_base = 64 << 20;
  cf.compression = rocksdb::kLZ4Compression;
  return cf;
}

std::vector<std::string> LiveTableFiles(rocksdb::DB* db) {
  std::vector<rocksdb::LiveFileMetaData> files;
  db->GetLiveFilesMetaData(&files);
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  return names;
}

// A secondary reads the writer's MANIFEST, then replays its WALs; a WAL the
// writer flushed and deleted in between is skipped silently, and its writes
// are in a table file this MANIFEST does not name yet. Catching up once more
// brings that table in; a catch-up that finds no new table file means no
// flush landed while the previous one read the WALs, so the view is a
// consistent prefix of the writes (docs/STORAGE.md, "Readers").
Status SettleSecondary(rocksdb::DB* db, const std::string& dir) {
  constexpr int kMaxCatchUps = 8;
  std::vector<std::string> before = LiveTableFiles(db);
  for (int i = 0; i < kMaxCatchUps; ++i) {
    rocksdb::Status s = db->TryCatchUpWithPrimary();
    if (!s.ok()) return FromRocks(s, "catch up with " + dir);
    std::vector<std::string> after = LiveTableFiles(db);
    if (after == before) return Status::OK();
    before = std::move(after);
  }
  return Status::Busy(dir + ": its writer kept flushing while a read-only view was opened");
}

Result<std::unique_ptr<NodeStore>> RocksStore::Open(const std::string& dir,
                                                    const RocksStoreOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (!options.create_if_missing) return Status::NotFound("no database at " + dir);
  } else if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument(dir + " is not a directory");
  } else if (!fs::exists(fs::path(dir) / "CURRENT", ec) && !options.create_if_missing) {
    return Status::InvalidArgument(dir + " is not a state database");
  } else if (!fs::exists(fs::path(dir) / "CURRENT", ec) && !OnlyRocksFiles(dir)) {
    return Status::InvalidArgument(dir + " is not empty and not a state database");
  }

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db;
  db.create_if_missing = options.create_if_missing;
  db.create_missing_column_families = options.create_if_missing;
  db.max_background_jobs = 2;
  db.bytes_per_sync = 1 << 20;
  db.keep_log_file_num = 3;
  // All columns flush together, as one MANIFEST record: a read-only view
  // (secondary) that reads the MANIFEST between two columns' flushes, and
  // then finds their shared WAL already deleted, would otherwise see one
  // column's records of a commit without the other's — a root record whose
  // nodes are missing (docs/STORAGE.md, "Readers").
  db.atomic_flush = true;
  db.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db.max_open_files = options.read_only ? -1 : 512;
  // One memtable budget for all columns together: alone, each column may
  // hold max_write_buffer_number × write_buffer_size, and a commit of
  // millions of changes fills nodes, stale and meta at once (~0.5 GiB).
  db.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes);

  if (options.meta_only && !options.read_only) {
    return Status::InvalidArgument("a meta-only open is read-only");
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  // The meta column is the first: a meta-only view opens it alone.
  for (int i = 0; i < (options.meta_only ? 1 : kColumnCount); ++i) {
    cfs.emplace_back(kColumnNames[i], ColumnOptions(cache));
  }
  auto store = std::make_unique<RocksStore>();
  store->dir_ = dir;
  store->options_for_sst_ = rocksdb::Options(db, ColumnOptions(cache));
  store->unsynced_env_ = rocksdb::NewCompositeEnv(
      std::make_shared<UnsyncedFileSystem>(rocksdb::FileSystem::Default()));
  store->options_for_sst_.env = store->unsynced_env_.get();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    // A private scratch directory for the secondary's own logs, named by pid
    // so that those of killed processes can be recognised and removed.
    RemoveDeadScratchDirs();
    std::string tmpl = (fs::temp_directory_path() /
                        ("checkpoint-secondary-" + std::to_string(::getpid()) + "-XXXXXX"))
                           .string();
    if (!mkdtemp(tmpl.data())) return Status::IOError("cannot make a temporary directory");
    store->secondary_dir_ = tmpl;
    store->read_only_ = true;
    s = rocksdb::DB::OpenAsSecondary(db, dir, tmpl, cfs, &store->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(db, dir, cfs, &store->handles_, &raw);
  }
  if (!s.ok()) {
    if (IsLockHeld(s)) {
      return Status::IOError("database " + dir + " is in use by another process: " + s.ToString());
    }
    return FromRocks(s, "open " + dir);
  }
  store->db_.reset(raw);
  if (options.read_only) CHECKPOINT_RETURN_IF_ERROR(SettleSecondary(raw, dir));
  // Leftover table files of an ingestion a crash interrupted. Only now: the
  // open above holds RocksDB's LOCK, so they are not a running restore's.
  if (!options.read_only) std::filesystem::remove_all(fs::path(dir) / "ingest-tmp", ec);
  return std::unique_ptr<NodeStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<NodeStore>> OpenRocksStore(const std::string& dir,
                                                  const RocksStoreOptions& options) {
  return RocksStore::Open(dir, options);
}

}  // namespace checkpoint
