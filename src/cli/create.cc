// checkpoint create --db DIR --out STORE --height N|latest [--interval K]
//   [--chunk-size SIZE] [--threads T] [--format-version V] [--json]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "checkpoint/limits.h"
#include "checkpoint/sign.h"
#include "checkpoint/store.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/metrics.h"
#include "cli/publish.h"
#include "cli/signals.h"
#include "ops/files.h"
#include "ops/layout.h"

namespace po = boost::program_options;

namespace checkpoint::cli {
namespace {

// "\r[#####     ] 42/220 chunks  310 MiB/s  ETA 12 s" on a terminal only.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled)
      : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  ~ProgressBar() {
    if (drawn_) std::fprintf(stderr, "\r%*s\r", 78, "");
  }
  void Update(const CreateProgress& p) {
    if (!enabled_) return;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? p.raw_bytes_done / secs : 0;
    const double eta = rate > 0 ? (p.raw_bytes_total - p.raw_bytes_done) / rate : 0;
    const int filled = p.chunks_total ? static_cast<int>(30 * p.chunks_done / p.chunks_total) : 30;
    std::fprintf(stderr, "\r[%-30s] %llu/%llu chunks %6.0f MiB/s ETA %4.0f s",
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 static_cast<unsigned long long>(p.chunks_done),
                 static_cast<unsigned long long>(p.chunks_total), rate / 1048576, eta);
    drawn_ = true;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

namespace {

// A store this run made and left empty (but for its lock file) goes away
// again; one holding anything else — another run's work — stays.
void RemoveIfEmpty(const std::string& store) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(store, ec)) {
    if (e.path().filename() != kLockFile) return;
  }
  std::filesystem::remove(std::filesystem::path(store) / kLockFile, ec);
  std::filesystem::remove(store, ec);
}

// Makes `options` a delta against `full`, a full checkpoint whose height the
// database still holds with the same root.
Status UseFullBase(StateDb* db, const StoredCheckpoint& full, CreateOptions* options) {
  if (full.manifest.is_delta()) {
    return Status::InvalidArgument("a delta checkpoint: deltas are made against a full one");
  }
  auto view = db->View(full.manifest.height);
  if (!view.ok()) {
    return Status::InvalidArgument("height " + std::to_string(full.manifest.height) +
                                   " is no longer in the database");
  }
  if ((*view)->root() != full.manifest.root) {
    return Status::InvalidArgument("root " + ToHex(full.manifest.root) + " differs from the " +
                                   "database's at height " + std::to_string(full.manifest.height) +
                                   ", " + ToHex((*view)->root()));
  }
  options->base_height = full.manifest.height;
  options->base_id = full.id;
  return Status::OK();
}

struct CreateRun {
  int code = kExitOk;
  RunMetrics metrics;
};

CreateRun Create(const po::variables_map& vm) {
  CreateRun run;
  auto fail = [&run](int code, const std::string& msg) {
    run.code = Fail(code, msg);
    return run;
  };
  if (!vm.count("height")) return fail(kExitUsage, "missing --height (a number or 'latest')");
  const std::string height_arg = vm["height"].as<std::string>();
  std::optional<uint64_t> interval;
  if (vm.count("interval")) {
    if (height_arg != "latest") return fail(kExitUsage, "--interval goes with --height latest");
    interval = ParseU64(vm["interval"].as<std::string>());
    if (!interval || *interval == 0)
      return fail(kExitUsage, "--interval takes a positive whole number");
  }
  std::optional<uint64_t> delta_interval;
  if (vm.count("delta-interval")) {
    delta_interval = ParseU64(vm["delta-interval"].as<std::string>());
    if (!interval || vm.count("base"))
      return fail(kExitUsage,
                  "--delta-interval goes with --height latest --interval K, not --base");
    if (!delta_interval || *delta_interval == 0 || *interval % *delta_interval != 0)
      return fail(kExitUsage, "--delta-interval takes a positive divisor of --interval");
  }
  CreateOptions options;
  std::optional<uint64_t> chunk_size = ParseSize(vm["chunk-size"].as<std::string>());
  if (!chunk_size) {
    return fail(kExitUsage, "--chunk-size takes N[B|KiB|MiB|GiB], not '" +
                                vm["chunk-size"].as<std::string>() + "'");
  }
  // The library checks too, but only after the database is open and the
  // store locked: a bad command line should touch nothing.
  if (*chunk_size < 1024 || *chunk_size > (1ull << 32)) {
    return fail(kExitUsage, "--chunk-size must be between 1KiB and 4GiB, not '" +
                                vm["chunk-size"].as<std::string>() + "'");
  }
  options.chunk_size = *chunk_size;
  if (*chunk_size > kDefaultMaxChunkSize) {
    std::fprintf(stderr,
                 "checkpoint: warning: verifiers refuse chunks over 256 MiB unless given "
                 "--max-chunk-size\n");
  }
  if (auto code = ParseThreads(vm, &options.threads)) {
    run.code = *code;
    return run;
  }
  auto version = ParseU64(vm["format-version"].as<std::string>());
  if (!version || !IsKnownFormatVersion(*version))
    return fail(kExitUsage, "--format-version: this build writes versions 1 and 2");
  options.format_version = static_cast<uint32_t>(*version);
  const std::string base_arg = vm.count("base") ? vm["base"].as<std::string>() : "";
  if (vm.count("base") && base_arg.empty()) return fail(kExitUsage, "--base takes F or CKPT");
  if (!base_arg.empty() || delta_interval) {
    if (vm["format-version"].defaulted()) {
      options.format_version = kDeltaFormatVersion;
    } else if (options.format_version < kDeltaFormatVersion) {
      return fail(kExitUsage, "--base makes a delta checkpoint, which needs --format-version 2");
    }
  }
  options.zstd_level = vm["zstd-level"].as<int>();
  if (options.zstd_level < kMinZstdLevel || options.zstd_level > kMaxZstdLevel) {
    return fail(kExitUsage, "--zstd-level takes " + std::to_string(kMinZstdLevel) + ".." +
                                std::to_string(kMaxZstdLevel));
  }
  std::optional<uint64_t> keep;
  if (vm.count("keep")) {
    keep = ParseU64(vm["keep"].as<std::string>());
    if (!keep || *keep == 0) return fail(kExitUsage, "--keep takes a positive whole number");
  }
  double wait = 0;
  if (auto code = ParseWait(vm, &wait)) {
    run.code = *code;
    return run;
  }
  if (vm.count("sign")) {
    options.sign_keys = vm["sign"].as<std::vector<std::string>>();
    for (const std::string& key : options.sign_keys) {
      Status s = CheckSecretKeyFile(key);
      if (!s.ok()) return fail(kExitUsage, "--sign " + key + ": " + s.message());
    }
  }
  if (vm["publish"].as<bool>()) {
    options.publish = PublishOptions();
    ParsePublishOptions(vm, &*options.publish);
  } else if (vm.count("tracker") || vm.count("webseed")) {
    return fail(kExitUsage, "--tracker and --webseed go with --publish");
  }
  const bool json = vm["json"].as<bool>();

  StateDbOptions db_options;
  db_options.read_only = true;  // never the primary: the node must stay free to restart
  auto db = StateDb::Open(vm["db"].as<std::string>(), db_options);
  if (!db.ok()) return fail(kExitError, db.status().message());
  uint64_t height = 0;
  if (height_arg == "latest") {
    auto latest = (*db)->LatestHeight();
    if (!latest) return fail(kExitError, "the database has no heights");
    const std::optional<uint64_t> step = delta_interval ? delta_interval : interval;
    height = step ? *latest - *latest % *step : *latest;
    if (step && !(*db)->View(height).ok()) {
      const uint64_t oldest = (*db)->Heights().empty() ? *latest : (*db)->Heights().front().height;
      const std::string held =
          "the database holds heights " + std::to_string(oldest) + ".." + std::to_string(*latest);
      if (height<oldest&& * step> * latest) {
        return fail(kExitError, "no height up to " + std::to_string(*latest) +
                                    " is a multiple of " + std::to_string(*step) +
                                    " but 0, which is not in the database (" + held + ")");
      }
      return fail(kExitError, "height " + std::to_string(height) + " (the newest multiple of " +
                                  std::to_string(*step) + ") is " +
                                  (height < oldest ? "no longer" : "not") + " in the database (" +
                                  held + ")");
    }
  } else {
    auto h = ParseU64(height_arg);
    if (!h)
      return fail(kExitUsage,
                  "--height takes a whole number or 'latest', not '" + height_arg + "'");
    height = *h;
  }

  const std::string store = vm["out"].as<std::string>();
  if (!base_arg.empty()) {
    // A height of the database, or a full checkpoint of one in the store (a
    // path, or its name), whose id the delta then records: retention keeps
    // it for the delta, which it could not do for one elsewhere.
    if (base_arg.find_first_not_of("0123456789") == std::string::npos) {
      std::optional<uint64_t> f = ParseU64(base_arg);
      if (!f) return fail(kExitUsage, "--base " + base_arg + ": not a height");
      options.base_height = *f;
    } else {
      std::error_code dir_ec;
      const std::string path =
          std::filesystem::is_directory(base_arg, dir_ec) ? base_arg : store + "/" + base_arg;
      const std::filesystem::path where = std::filesystem::weakly_canonical(path, dir_ec);
      if (where.parent_path() != std::filesystem::weakly_canonical(store, dir_ec)) {
        return fail(kExitUsage, "--base " + base_arg + " is not a checkpoint of the store " +
                                    store + " (give its height instead)");
      }
      Result<StoredCheckpoint> base = ReadCompleteCheckpoint(path);
      if (!base.ok())
        return fail(kExitError, "--base " + base_arg + ": " + base.status().message());
      if (base->manifest.is_delta()) {
        return fail(kExitUsage, "--base " + base_arg +
                                    " is a delta checkpoint: deltas are made against a full one");
      }
      Status s = UseFullBase(db->get(), *base, &options);
      if (!s.ok()) return fail(kExitError, "--base " + base_arg + ": " + s.message());
    }
  }
  std::error_code ec;
  const bool store_existed = std::filesystem::exists(store, ec);
  auto lock = StoreLock::Acquire(store, wait);  // before anything is written to the store
  if (!lock.ok()) {
    if (!store_existed) RemoveIfEmpty(store);
    return fail(lock.status().IsBusy() ? kExitBusy : kExitError, lock.status().message());
  }
  if (delta_interval && height % *interval != 0) {
    // The cron recipe: a delta against the newest full checkpoint below this
    // height that the database still holds; a full one when there is none.
    Result<StoreListing> listing = ListStore(store);
    if (!listing.ok()) return fail(kExitError, listing.status().message());
    for (auto it = listing->checkpoints.rbegin(); it != listing->checkpoints.rend(); ++it) {
      if (it->manifest.is_delta() || it->manifest.height >= height) continue;
      if (UseFullBase(db->get(), *it, &options).ok()) break;
    }
    if (!options.base_height) {
      std::fprintf(stderr,
                   "checkpoint: no full checkpoint below height %llu to make a delta "
                   "against: making a full one\n",
                   static_cast<unsigned long long>(height));
      if (vm["format-version"].defaulted()) options.format_version = 1;
    }
  } else if (delta_interval && vm["format-version"].defaulted()) {
    options.format_version = 1;  // a full one, as a plain --interval run makes
  }
  ProgressBar bar(!json && isatty(STDERR_FILENO));
  options.progress = [&bar](const CreateProgress& p) { bar.Update(p); };
  options.cancel = InterruptFlag();
  Result<CreateResult> r = CreateCheckpoint(db->get(), height, store, *lock, options);
  if (!r.ok()) {
    if (!store_existed) RemoveIfEmpty(store);
    return fail(r.status().IsCancelled() ? kExitInterrupted : kExitError, r.status().message());
  }
  std::vector<std::string> deleted;
  if (keep) {
    Retention rule;
    rule.keep_last = *keep;
    rule.protect = std::filesystem::path(r->path).filename().string();
    RetentionReport report;
    Status s = ApplyRetention(store, *lock, rule, /*dry_run=*/false, &report);
    for (const std::string& w : report.warnings)
      std::fprintf(stderr, "checkpoint: warning: %s\n", w.c_str());
    if (!s.ok()) return fail(kExitError, s.message());
    for (const StoredCheckpoint& c : report.deleted) deleted.push_back(c.path);
    if (!options.sign_keys.empty() && !report.deleted.empty()) {
      // Deleting changed the index, and dropped its signature.
      Result<SignResult> signed_index = SignStoreIndex(store, *lock, options.sign_keys.front());
      if (!signed_index.ok()) return fail(kExitError, signed_index.status().message());
    }
  }
  run.metrics = {kExitOk, r->seconds, true, r->height, r->bytes, r->chunks};
  if (json) {
    nlohmann::json j = {
        {"path", r->path},        {"id", ToHex(r->id)},        {"height", r->height},
        {"root", ToHex(r->root)}, {"chunks", r->chunks},       {"leaves", r->leaves},
        {"bytes", r->bytes},      {"raw_bytes", r->raw_bytes}, {"seconds", r->seconds},
        {"existed", r->existed},  {"replaced", r->replaced},   {"deleted", deleted},
        {"magnet", r->magnet}};
    if (r->base_height) j["base_height"] = *r->base_height;
    PrintJson(j);
    return run;
  }
  if (r->existed) {
    std::fprintf(stderr, "checkpoint: height %llu is already checkpointed\n",
                 static_cast<unsigned long long>(r->height));
  } else {
    if (r->replaced)
      std::fprintf(stderr, "checkpoint: replaced a damaged copy of this checkpoint\n");
    std::cout << "height " << r->height << " root " << ToHex(r->root) << " id " << ToHex(r->id)
              << " chunks " << r->chunks << " bytes " << r->bytes << " raw_bytes " << r->raw_bytes;
    if (r->base_height) std::cout << " base " << *r->base_height << " changes " << r->leaves;
    std::cout << "\n";
  }
  if (!r->magnet.empty()) std::cout << r->magnet << "\n";
  for (const std::string& d : deleted) std::cout << "deleted " << d << "\n";
  std::cout << r->path << "\n";
  return run;
}

}  // namespace

int RunCreate(const Args& args) {
  const auto start = std::chrono::steady_clock::now();
  InstallInterruptHandlers();
  po::options_description d("create");
  AddDbOption(&d);
  AddJsonOption(&d);
  AddThreadsOption(&d, "chunk-producing threads (default: cores)");
  AddPublishOptions(&d);
  d.add_options()("out", po::value<std::string>()->required(),
                  "checkpoint store directory (made if missing)")(
      "height", po::value<std::string>(), "height to checkpoint, or 'latest'")(
      "interval", po::value<std::string>(),
      "with --height latest: the newest height that is a multiple of K")(
      "chunk-size", po::value<std::string>()->default_value("8MiB"),
      "chunk size bound: N[B|KiB|MiB|GiB]")("keep", po::value<std::string>(),
                                            "then keep only the newest N unpinned checkpoints")(
      "wait", po::value<std::string>(),
      "wait up to SECONDS for the store lock (default: exit 75 at once)")(
      "publish", po::bool_switch(),
      "write CKPT/checkpoint.torrent before publishing it (then --tracker, --webseed)")(
      "sign", po::value<std::vector<std::string>>()->composing(),
      "sign the checkpoint with this secret key before publishing it; the first also signs "
      "index.json (repeatable)")("metrics-file", po::value<std::string>(),
                                 "write Prometheus textfile metrics here")(
      "format-version", po::value<std::string>()->default_value("1"),
      "format to write (1, or 2: what --base needs)")(
      "delta-interval", po::value<std::string>(),
      "with --height latest --interval K: every D heights, a delta against the newest full "
      "checkpoint (fulls every K)")(
      "base", po::value<std::string>(),
      "make a delta checkpoint from this height F of the database, or from a full "
      "checkpoint of F (a path, or a name in the store)")(
      "zstd-level", po::value<int>()->default_value(kDefaultZstdLevel),
      ("chunk file compression (transport only; ids never depend on it): " +
       std::to_string(kMinZstdLevel) + ".." + std::to_string(kMaxZstdLevel))
          .c_str());
  po::variables_map vm;
  if (auto code = ParseArgs("create", args, d, {}, &vm)) return *code;
  if (vm.count("metrics-file")) {
    // Replaced by rename: a device, directory, FIFO or link there would be
    // replaced too (as root, /dev/null for everyone). Refuse before anything.
    Status s = RequireRegularOrAbsent(vm["metrics-file"].as<std::string>());
    if (!s.ok()) return Fail(kExitUsage, "--metrics-file: " + s.message());
  }
  CreateRun run = Create(vm);
  if (vm.count("metrics-file")) {
    run.metrics.exit_code = run.code;
    if (!run.metrics.success) {
      run.metrics.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    Status s = WriteMetricsFile(vm["metrics-file"].as<std::string>(), run.metrics);
    if (!s.ok() && run.code == kExitOk) return Fail(s);
  }
  return run.code;
}

}  // namespace checkpoint::cli
