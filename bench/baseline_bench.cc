// bench-tool: the baselines and machine limits bench/run.sh measures next to
// checkpoint itself, in-process with the same libraries. Never a test.
//
//   bench-tool point-create --db DIR --height N --chunk-size SIZE [--by-hash]
//       one thread, one point lookup per node, the same chunks as `create`
//       (prints their checkpoint id, which must equal create's); --by-hash:
//       DIR is a hash-keyed copy (hash-store), a lookup per node by its hash
//   bench-tool hash-store --db DIR --height N --out DIR2
//       copies height N into a new database keyed by node hash
//   bench-tool hash  --checkpoint DIR   hash the leaf and internal-node messages a verifier hashes,
//       then the chunk digests (seconds of each)
//   bench-tool zstd  --checkpoint DIR   compress the chunks' canonical bytes as create does
//   bench-tool dump  --db DIR           every record through a RocksDB iterator, into zstd -1
//   bench-tool stale --db DIR --height N
//       how many node records left the trie at height N (its stale index):
//       those a delta from N-1 to N reads on the base's side
//   bench-tool blocks --db DIR          RocksDB's table properties of the
//       nodes column (data blocks, entries, sizes)
//   bench-tool tables --db DIR --out DIR2
//       writes DIR's node records again as table files, as a restore stages
//       them (8 MiB runs, the store's own Stage into a new database DIR2,
//       dropped unsynced), timing the staging alone (wall, and the thread's
//       sys and user cpu): the table building a restore does beside its hashing
#include <malloc.h>
#include <rocksdb/db.h>
#include <sys/resource.h>
#include <zstd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "checkpoint/checkpoint.h"
#include "checkpoint/chunk.h"
#include "checkpoint/manifest.h"
#include "chunk/format.h"
#include "chunk/producer.h"
#include "hash_store.h"
#include "ops/files.h"
#include "state/meta.h"
#include "store/node_store.h"
#include "trie/node.h"

namespace po = boost::program_options;
using namespace checkpoint;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "bench-tool: %s\n", msg.c_str());
  std::exit(1);
}

// The store at `dir`, or the process ends with RocksDB's reason.
std::unique_ptr<NodeStore> OpenOrDie(const std::string& dir, const RocksStoreOptions& options) {
  auto opened = OpenRocksStore(dir, options);
  if (!opened.ok()) Die(opened.status().message());
  return std::move(opened).value();
}

std::vector<std::string> LoadCanonical(const std::string& dir, Manifest* m) {
  std::string bytes;
  if (!ReadFileBounded(dir + "/manifest.json", 1 << 30, &bytes).ok() ||
      !ParseManifest(bytes, m).ok()) {
    Die("cannot read the manifest of " + dir);
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < m->chunks.size(); ++i) {
    std::string file, canonical;
    if (!ReadFileBounded(dir + "/" + ChunkFileName(i), 1ull << 32, &file).ok() ||
        !DecodeChunkFile(file, m->chunks[i].raw_size, &canonical).ok()) {
      Die("cannot read chunk " + std::to_string(i));
    }
    out.push_back(std::move(canonical));
  }
  return out;
}

int PointCreate(const std::string& db_dir, uint64_t height, uint64_t chunk_size, bool by_hash) {
  std::shared_ptr<NodeStore> store = OpenOrDie(db_dir, {.read_only = true});
  std::string encoded, hash_name;
  NodeRef root;
  if (!store->Get(Column::kMeta, RootKey(height), &encoded).ok() ||
      !DecodeNodeRef(encoded, &root).ok() ||
      !store->Get(Column::kMeta, kHashKey, &hash_name).ok()) {
    Die("no height " + std::to_string(height));
  }
  const double start = Now();
  NodeReader reader(store, store->GetSnapshot(),
                    by_hash ? NodeReader::Mode::kByHash : NodeReader::Mode::kPointLookup);
  Partition p;
  if (!ComputePartition(&reader, root, chunk_size, &p).ok()) Die("partition failed");
  Manifest m;
  m.hash = *ParseHashKind(hash_name);
  m.chunk_size = chunk_size;
  m.height = height;
  m.root = root.present() ? root.hash : EmptyHash(m.hash);
  uint64_t file_bytes = 0;
  for (size_t i = 0; i < p.chunks.size(); ++i) {
    std::string canonical;
    if (!ProduceChunk(p, i, &reader, &canonical).ok()) Die("chunk failed");
    file_bytes += EncodeChunkFile(canonical, -1).size();
    m.chunks.push_back({p.chunks[i].lo, HashBytes(HashKind::kSha256, canonical), canonical.size(),
                        p.chunks[i].leaves});
    m.leaves += p.chunks[i].leaves;
  }
  std::printf("point-create id %s chunks %zu bytes %llu seconds %.3f\n",
              ToHex(ManifestId(EncodeManifest(m))).c_str(), m.chunks.size(),
              static_cast<unsigned long long>(file_bytes), Now() - start);
  return 0;
}

int HashMessages(const std::string& dir) {
  Manifest m;
  auto chunks = LoadCanonical(dir, &m);
  // Collect the leaves first (untimed): views into the decoded chunks.
  std::vector<std::pair<std::string_view, std::string_view>> leaves;
  for (const std::string& c : chunks) {
    (void)VerifyChunk(c, m.hash, Hash{}, nullptr,
                      [&](std::string_view k, std::string_view v) { leaves.emplace_back(k, v); });
  }
  const std::string internal(100, '\x01');  // an internal-node message: prefix, label, three hashes
  uint64_t bytes = 0;
  const double start = Now();
  for (const auto& [k, v] : leaves) {
    (void)LeafHash(m.hash, k, v);       // each leaf message
    (void)HashBytes(m.hash, internal);  // and about one internal node per leaf
    bytes += 9 + k.size() + v.size() + internal.size();
  }
  const double messages_s = Now() - start;
  // The chunk digests (SHA-256 of each chunk's canonical bytes), which the
  // format has every verifier compute as well.
  uint64_t digest_bytes = 0;
  const double digest_start = Now();
  for (const std::string& c : chunks) {
    (void)HashBytes(HashKind::kSha256, c);
    digest_bytes += c.size();
  }
  const double digests_s = Now() - digest_start;
  std::printf("hash leaves %zu message_bytes %llu seconds %.3f digest_bytes %llu seconds %.3f\n",
              leaves.size(), static_cast<unsigned long long>(bytes), messages_s,
              static_cast<unsigned long long>(digest_bytes), digests_s);
  return 0;
}

int Zstd(const std::string& dir) {
  Manifest m;
  auto chunks = LoadCanonical(dir, &m);
  const double start = Now();
  uint64_t in = 0, out = 0;
  for (const std::string& c : chunks) {
    in += c.size();
    out += EncodeChunkFile(c, -1).size();
  }
  std::printf("zstd in %llu out %llu seconds %.3f\n", static_cast<unsigned long long>(in),
              static_cast<unsigned long long>(out), Now() - start);
  return 0;
}

int Dump(const std::string& db_dir) {
  auto store = OpenOrDie(db_dir, {.read_only = true});
  const double start = Now();
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
  std::string buf, out(ZSTD_CStreamOutSize(), '\0');
  uint64_t in_bytes = 0, out_bytes = 0;
  auto flush = [&](ZSTD_EndDirective mode) {
    ZSTD_inBuffer input{buf.data(), buf.size(), 0};
    bool done = false;
    while (!done) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      size_t left = ZSTD_compressStream2(cctx, &output, &input, mode);
      out_bytes += output.pos;
      done = mode == ZSTD_e_end ? left == 0 : input.pos == input.size;
    }
    buf.clear();
  };
  for (Column c : {Column::kMeta, Column::kNodes, Column::kStale}) {
    auto it = store->NewIterator(c, nullptr, /*readahead_bytes=*/2 << 20);
    for (it->Seek({}); it->Valid(); it->Next()) {
      buf.append(it->key()).append(it->value());
      in_bytes += it->key().size() + it->value().size();
      if (buf.size() >= (1 << 20)) flush(ZSTD_e_continue);
    }
  }
  flush(ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  std::printf("dump in %llu out %llu seconds %.3f\n", static_cast<unsigned long long>(in_bytes),
              static_cast<unsigned long long>(out_bytes), Now() - start);
  return 0;
}

int CountStale(const std::string& db_dir, uint64_t height) {
  auto store = OpenOrDie(db_dir, {.read_only = true});
  const std::string prefix = HeightPrefix(height);
  uint64_t records = 0;
  auto it = store->NewIterator(Column::kStale, nullptr, /*readahead_bytes=*/2 << 20);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++records;
  if (!it->status().ok()) Die(it->status().message());
  std::printf("stale height %llu records %llu\n", static_cast<unsigned long long>(height),
              static_cast<unsigned long long>(records));
  return 0;
}

// Straight from RocksDB, past NodeStore (which does not expose table
// properties): how many data blocks hold the node records. Default options
// read it: the store uses RocksDB's default comparator.
int NodeTableProperties(const std::string& db_dir) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : {"default", "nodes", "stale"})
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), db_dir, cfs, &handles, &raw);
  if (!s.ok()) Die(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string props;
  if (!db->GetProperty(handles[1], "rocksdb.aggregated-table-properties", &props))
    Die("no table properties");
  std::printf("nodes %s\n", props.c_str());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return 0;
}

// The records are read first, into memory (about the database's raw size),
// so that the timing holds the table building alone: block building, LZ4,
// checksums and the copy into the page cache, as in restore's Stage calls.
int BuildTables(const std::string& db_dir, const std::string& out_dir) {
  auto src = OpenOrDie(db_dir, {.read_only = true});
  constexpr size_t kRunBytes = 8 << 20;
  struct Run {
    std::string bytes;
    std::vector<std::pair<uint32_t, uint32_t>> sizes;  // key, value
  };
  std::vector<Run> runs(1);
  uint64_t records = 0, bytes = 0;
  auto it = src->NewIterator(Column::kNodes, nullptr, /*readahead_bytes=*/2 << 20);
  for (it->Seek({}); it->Valid(); it->Next()) {
    if (runs.back().bytes.size() >= kRunBytes) {
      runs.emplace_back();
      runs.back().bytes.reserve(kRunBytes + (1 << 20));
    }
    runs.back().bytes.append(it->key()).append(it->value());
    runs.back().sizes.emplace_back(it->key().size(), it->value().size());
    ++records;
    bytes += it->key().size() + it->value().size();
  }
  if (!it->status().ok()) Die(it->status().message());
  it.reset();
  src.reset();
  auto dst = OpenOrDie(out_dir, {.create_if_missing = true});
  // This thread's user and sys cpu: Stage builds the files on the calling
  // thread. Its sys time is mostly the copy into the page cache, which the
  // bench's row for writing the files counts as well; the user time is the
  // building alone (blocks, LZ4, checksums). Each set's files are unlinked
  // before they reach the disk, so the disk never sets the pace here.
  auto thread_cpu = [](double* user, double* sys) {
    rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
  };
  double seconds = 0, user_seconds = 0, sys_seconds = 0;
  std::string hot;
  for (const Run& r : runs) {
    // A restore stages records it has just built: copied here first, out of
    // the timing, they are as near the cpu as a rebuilt chunk's.
    hot = r.bytes;
    SortedRun run{Column::kNodes, {}};
    size_t off = 0;
    for (const auto& [k, v] : r.sizes) {
      run.entries.emplace_back(std::string_view(hot).substr(off, k),
                               std::string_view(hot).substr(off + k, v));
      off += k + v;
    }
    double user0, sys0, user1, sys1;
    thread_cpu(&user0, &sys0);
    const double start = Now();
    auto staged = dst->Stage({run});
    seconds += Now() - start;
    thread_cpu(&user1, &sys1);
    user_seconds += user1 - user0;
    sys_seconds += sys1 - sys0;
    if (!staged.ok()) Die(staged.status().message());
  }  // each set's files go when it does: nothing is ingested
  std::printf(
      "tables records %llu bytes %llu runs %zu seconds %.3f sys_seconds %.3f user_seconds %.3f\n",
      static_cast<unsigned long long>(records), static_cast<unsigned long long>(bytes), runs.size(),
      seconds, sys_seconds, user_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // As the checkpoint CLI does (src/cli/main.cc): buffers reused, not mapped afresh.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  if (argc < 2)
    Die("usage: bench-tool point-create|hash-store|hash|zstd|dump|stale|blocks|tables [options]");
  const std::string mode = argv[1];
  po::options_description d("bench-tool");
  d.add_options()("db", po::value<std::string>())("checkpoint", po::value<std::string>())(
      "height", po::value<uint64_t>()->default_value(1))(
      "chunk-size", po::value<uint64_t>()->default_value(8 << 20))("by-hash", po::bool_switch())(
      "out", po::value<std::string>());
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc - 1, argv + 1, d), vm);
  } catch (const po::error& e) {
    Die(e.what());
  }
  if (mode == "point-create" && vm.count("db")) {
    return PointCreate(vm["db"].as<std::string>(), vm["height"].as<uint64_t>(),
                       vm["chunk-size"].as<uint64_t>(), vm["by-hash"].as<bool>());
  }
  if (mode == "hash-store" && vm.count("db") && vm.count("out")) {
    const double start = Now();
    uint64_t records = 0;
    Status s = BuildHashStore(vm["db"].as<std::string>(), vm["height"].as<uint64_t>(),
                              vm["out"].as<std::string>(), &records);
    if (!s.ok()) Die(s.message());
    std::printf("hash-store records %llu seconds %.3f\n", static_cast<unsigned long long>(records),
                Now() - start);
    return 0;
  }
  if (mode == "hash" && vm.count("checkpoint"))
    return HashMessages(vm["checkpoint"].as<std::string>());
  if (mode == "zstd" && vm.count("checkpoint")) return Zstd(vm["checkpoint"].as<std::string>());
  if (mode == "dump" && vm.count("db")) return Dump(vm["db"].as<std::string>());
  if (mode == "blocks" && vm.count("db")) return NodeTableProperties(vm["db"].as<std::string>());
  if (mode == "tables" && vm.count("db") && vm.count("out"))
    return BuildTables(vm["db"].as<std::string>(), vm["out"].as<std::string>());
  if (mode == "stale" && vm.count("db") && !vm["height"].defaulted())
    return CountStale(vm["db"].as<std::string>(), vm["height"].as<uint64_t>());
  Die("usage: bench-tool point-create --db D [--height N --chunk-size S --by-hash] | hash-store "
      "--db D --height N --out D2 | hash --checkpoint C | zstd --checkpoint C | dump --db D | "
      "stale --db D --height N | blocks --db D | tables --db D --out D2");
}
