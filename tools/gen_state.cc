// gen-state: a seeded, deterministic state shaped like a real chain's.
//
//   gen-state --db DIR --keys N [--heights H] [--churn F] [--seed S] [--hash H]
//             [--write-logs DIR]
//
// Shape (docs/GEN_STATE.md): 75% storage slots (a one-byte prefix 0x01..0x04
// and a 32-byte hash), 20% account-like keys (0x10 and 19..51 random bytes),
// 5% long keys under deep shared prefixes (0x20, one of 64 shared 48-byte
// namespaces, an 8..40-byte tail). Values: 72% 8..64 B, 26% 64..512 B, 2%
// 512 B..4 KiB, and about one key in a million a 1..16 MiB value; a quarter
// of each value's leading bytes are zero, as in padded integers. Height 1
// holds N keys; each later height updates, inserts and deletes F·N keys.
// Keys and values are functions of (seed, key index, version), so nothing but
// the keys is ever held in memory and any run with the same flags gives the
// same roots. --write-logs also writes each later height's changes as the
// write log `checkpoint state apply` reads (without --db, only the logs): what
// a node commits a height from, the baseline a delta's apply is measured by.
#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>

#include "checkpoint/state_db.h"

namespace po = boost::program_options;
using namespace checkpoint;

namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() { return SplitMix(s_++ * 0x2545f4914f6cdd1dull); }
  uint64_t Below(uint64_t n) { return Next() % n; }
  void Fill(std::string* out, size_t n) {
    out->resize(n);
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = Next();
      for (size_t j = i; j < std::min(n, i + 8); ++j, v >>= 8) (*out)[j] = static_cast<char>(v);
    }
  }

 private:
  uint64_t s_;
};

std::string MakeKey(uint64_t seed, uint64_t index) {
  Rng r(SplitMix(seed ^ SplitMix(index)));
  std::string key, body;
  uint64_t cls = r.Below(100);
  if (cls < 75) {
    key.push_back(static_cast<char>(1 + r.Below(4)));
    r.Fill(&body, 32);
  } else if (cls < 95) {
    key.push_back('\x10');
    r.Fill(&body, 19 + r.Below(33));
  } else {
    key.push_back('\x20');
    Rng ns(SplitMix(seed + 0x51) + r.Below(64));  // one of 64 shared namespaces
    ns.Fill(&body, 48);
    key += body;
    r.Fill(&body, 8 + r.Below(33));
  }
  return key + body;
}

void MakeValue(uint64_t seed, uint64_t index, uint64_t version, std::string* out) {
  Rng r(SplitMix(seed ^ SplitMix(index) ^ SplitMix(version + 0x77)));
  uint64_t pick = r.Below(1000000);
  size_t len;
  if (SplitMix(seed ^ index) % 1000000 == 7) {
    len = (1u << 20) + r.Below(15u << 20);
  } else if (pick < 720000) {
    len = 8 + r.Below(57);
  } else if (pick < 980000) {
    len = 64 + r.Below(449);
  } else {
    len = 512 + r.Below(3585);
  }
  r.Fill(out, len);
  std::fill(out->begin(), out->begin() + static_cast<long>(len / 4), '\0');
}

struct Op {
  std::string key;
  uint64_t index;
  bool is_delete;
};

// Streams ops (sorted by key) with values made on the fly.
class GenSource : public UpdateSource {
 public:
  GenSource(const std::vector<Op>* ops, uint64_t seed, const std::vector<uint32_t>* versions)
      : ops_(ops), seed_(seed), versions_(versions) {}
  bool Next(Update* out) override {
    if (pos_ >= ops_->size()) return false;
    const Op& op = (*ops_)[pos_++];
    value_.clear();
    if (!op.is_delete) MakeValue(seed_, op.index, (*versions_)[op.index], &value_);
    *out = Update{op.key, value_, op.is_delete};
    return true;
  }

 private:
  const std::vector<Op>* ops_;
  uint64_t seed_;
  const std::vector<uint32_t>* versions_;
  size_t pos_ = 0;
  std::string value_;
};

// Writes one height's ops as write-log text (docs/FORMAT.md §2).
bool WriteHeightLog(const std::string& path, const std::vector<Op>& ops, uint64_t seed,
                    const std::vector<uint32_t>& versions) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string value;
  for (const Op& op : ops) {
    if (op.is_delete) {
      out << "del " << ToHex(op.key) << '\n';
      continue;
    }
    MakeValue(seed, op.index, versions[op.index], &value);
    out << "put " << ToHex(op.key) << ' ' << ToHex(value) << '\n';
  }
  out.close();
  return !out.fail();
}

int Fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "gen-state: %s\n", msg.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description d("gen-state");
  d.add_options()("help,h", "show this help")("db", po::value<std::string>(), "database to create")(
      "keys", po::value<uint64_t>(), "keys at height 1")(
      "heights", po::value<uint64_t>()->default_value(1), "heights to make (1..H)")(
      "churn", po::value<double>()->default_value(0.01),
      "fraction of keys updated, inserted and deleted per later height")(
      "seed", po::value<uint64_t>()->default_value(1), "seed")(
      "hash", po::value<std::string>()->default_value("sha256"), "sha256 | sha512_256")(
      "write-logs", po::value<std::string>(),
      "also write heights 2..H's changes as write logs DIR/H.log (without --db: only those)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, d), vm);
  } catch (const po::error& e) {
    return Fail(e.what(), 2);
  }
  if (vm.count("help")) {
    std::cout << d;
    return 0;
  }
  if ((!vm.count("db") && !vm.count("write-logs")) || !vm.count("keys"))
    return Fail("--keys and --db or --write-logs are required", 2);
  const std::string log_dir = vm.count("write-logs") ? vm["write-logs"].as<std::string>() : "";
  const uint64_t keys = vm["keys"].as<uint64_t>();
  const uint64_t heights = vm["heights"].as<uint64_t>();
  const double churn = vm["churn"].as<double>();
  const uint64_t seed = vm["seed"].as<uint64_t>();
  auto hash = ParseHashKind(vm["hash"].as<std::string>());
  if (!hash || heights == 0 || churn < 0 || churn > 0.5)
    return Fail("bad --hash, --heights or --churn", 2);

  std::unique_ptr<StateDb> db;
  if (vm.count("db")) {
    StateDbOptions options;
    options.create_if_missing = true;
    options.hash = *hash;
    auto opened = StateDb::Open(vm["db"].as<std::string>(), options);
    if (!opened.ok()) return Fail(opened.status().message());
    db = std::move(*opened);
    if (db->LatestHeight()) return Fail("the database already has heights");
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<uint32_t> versions(keys, 1);
  std::vector<uint64_t> alive(keys);
  std::iota(alive.begin(), alive.end(), 0);
  uint64_t next_index = keys;
  Rng rng(SplitMix(seed ^ 0xc0ffee));

  for (uint64_t h = 1; h <= heights; ++h) {
    std::vector<Op> ops;
    if (h == 1) {
      ops.reserve(keys);
      for (uint64_t i : alive) ops.push_back({MakeKey(seed, i), i, false});
    } else {
      const uint64_t n = static_cast<uint64_t>(churn * static_cast<double>(alive.size()));
      // Partial shuffle: the first n alive keys get updated, the next n deleted.
      for (uint64_t j = 0; j < std::min<uint64_t>(2 * n, alive.size()); ++j) {
        std::swap(alive[j], alive[j + rng.Below(alive.size() - j)]);
      }
      for (uint64_t j = 0; j < n && j < alive.size(); ++j) {
        versions[alive[j]] = static_cast<uint32_t>(h);
        ops.push_back({MakeKey(seed, alive[j]), alive[j], false});
      }
      for (uint64_t j = n; j < 2 * n && j < alive.size(); ++j) {
        ops.push_back({MakeKey(seed, alive[j]), alive[j], true});
      }
      alive.erase(alive.begin() + static_cast<long>(std::min<uint64_t>(n, alive.size())),
                  alive.begin() + static_cast<long>(std::min<uint64_t>(2 * n, alive.size())));
      for (uint64_t j = 0; j < n; ++j, ++next_index) {
        versions.push_back(static_cast<uint32_t>(h));
        alive.push_back(next_index);
        ops.push_back({MakeKey(seed, next_index), next_index, false});
      }
    }
    std::sort(ops.begin(), ops.end(), [](const Op& a, const Op& b) { return a.key < b.key; });
    // Key collisions are astronomically unlikely but would break the order.
    ops.erase(std::unique(ops.begin(), ops.end(),
                          [](const Op& a, const Op& b) { return a.key == b.key; }),
              ops.end());
    if (!log_dir.empty() && h > 1) {
      const std::string path = log_dir + "/" + std::to_string(h) + ".log";
      if (!WriteHeightLog(path, ops, seed, versions)) return Fail("cannot write " + path);
    }
    if (!db) continue;
    GenSource source(&ops, seed, &versions);
    Status s = db->Commit(h, &source);
    if (!s.ok()) return Fail(s.message());
    const HeightInfo info = db->Heights().back();
    std::printf("height %llu root %s keys %llu\n", static_cast<unsigned long long>(info.height),
                ToHex(info.root).c_str(), static_cast<unsigned long long>(info.leaves));
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "gen-state: %llu heights in %.1f s\n",
               static_cast<unsigned long long>(heights), secs);
  return 0;
}
