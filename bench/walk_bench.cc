// walk-bench: a full in-order walk of one height (every key and value), read
// through the node layout as a forward scan versus with one point lookup per
// node, alternating in one run so both see the same machine and page cache.
//
//   walk-bench --db DIR [--height N] [--runs R]
//
// Prints each run and the medians; the ratio is point-lookup time / scan time.
#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "state/meta.h"
#include "state/trie_iterator.h"
#include "store/node_store.h"

namespace po = boost::program_options;
using namespace checkpoint;

namespace {

struct Walk {
  double seconds = 0;
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

// The floor: every record of the nodes column, in order, nothing decoded.
Walk RawScan(const std::shared_ptr<NodeStore>& store) {
  const auto start = std::chrono::steady_clock::now();
  auto it = store->NewIterator(Column::kNodes, nullptr, /*readahead_bytes=*/2 << 20);
  Walk w;
  for (it->Seek({}); it->Valid(); it->Next()) {
    ++w.keys;
    w.bytes += it->key().size() + it->value().size();
  }
  w.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return w;
}

Walk Run(const std::shared_ptr<NodeStore>& store, const NodeRef& root, NodeReader::Mode mode) {
  const auto start = std::chrono::steady_clock::now();
  auto it = NewTrieIterator(store, store->GetSnapshot(), root, mode);
  Walk w;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++w.keys;
    w.bytes += it->key().size() + it->value().size();
  }
  if (!it->status().ok()) {
    std::fprintf(stderr, "walk-bench: %s\n", it->status().message().c_str());
    std::exit(1);
  }
  w.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return w;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description d("walk-bench");
  d.add_options()("db", po::value<std::string>()->required(), "state database")(
      "height", po::value<uint64_t>(), "height (default: latest)")(
      "runs", po::value<int>()->default_value(3), "runs of each mode")(
      "mode", po::value<std::string>()->default_value("both"),
      "scan | point | both | raw (iterate the records, decode nothing)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, d), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "walk-bench: " << e.what() << "\n" << d;
    return 2;
  }
  auto opened = OpenRocksStore(vm["db"].as<std::string>(), RocksStoreOptions{.read_only = true});
  if (!opened.ok()) {
    std::fprintf(stderr, "walk-bench: %s\n", opened.status().message().c_str());
    return 1;
  }
  std::shared_ptr<NodeStore> store(std::move(opened).value());
  uint64_t height = 0;
  std::string encoded;
  if (vm.count("height")) {
    height = vm["height"].as<uint64_t>();
    if (!store->Get(Column::kMeta, RootKey(height), &encoded).ok()) {
      std::fprintf(stderr, "walk-bench: no height %llu\n", static_cast<unsigned long long>(height));
      return 1;
    }
  } else {
    auto it = store->NewIterator(Column::kMeta);
    for (it->Seek(std::string(1, kRootPrefix)); it->Valid() && it->key()[0] == kRootPrefix;
         it->Next()) {
      height = DecodeFixed64BE(it->key().data() + 1);
      encoded = std::string(it->value());
    }
  }
  NodeRef root;
  if (!DecodeNodeRef(encoded, &root).ok()) {
    std::fprintf(stderr, "walk-bench: no readable height\n");
    return 1;
  }
  std::vector<double> scan, point;
  Walk w;
  const std::string mode = vm["mode"].as<std::string>();
  auto run = [&](NodeReader::Mode m, const char* name, std::vector<double>* times, int r) {
    w = Run(store, root, m);
    times->push_back(w.seconds);
    std::printf("run %d %-5s %8.2f s  %llu keys  %.0f keys/s\n", r, name, w.seconds,
                static_cast<unsigned long long>(w.keys), w.keys / w.seconds);
    std::fflush(stdout);
  };
  if (mode == "raw") {
    for (int r = 1; r <= vm["runs"].as<int>(); ++r) {
      Walk raw = RawScan(store);
      std::printf("run %d raw   %8.2f s  %llu records  %.1f MiB\n", r, raw.seconds,
                  static_cast<unsigned long long>(raw.keys), raw.bytes / 1048576.0);
    }
    return 0;
  }
  for (int r = 1; r <= vm["runs"].as<int>(); ++r) {
    if (mode != "point") run(NodeReader::Mode::kScan, "scan", &scan, r);
    if (mode != "scan") run(NodeReader::Mode::kPointLookup, "point", &point, r);
  }
  if (scan.empty() || point.empty()) return 0;
  std::printf(
      "height %llu: %llu keys, %.1f MiB; median scan %.2f s, point lookups %.2f s, ratio %.1fx\n",
      static_cast<unsigned long long>(height), static_cast<unsigned long long>(w.keys),
      w.bytes / 1048576.0, Median(scan), Median(point), Median(point) / Median(scan));
  return 0;
}
