#include "cli/sources.h"

#include <cstdio>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "cli/trust.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

void AddSourceOptions(po::options_description* d, po::positional_options_description* pos,
                      const char* threads_what) {
  AddTrustOptions(d);
  AddThreadsOption(d, threads_what);
  AddTransferOptions(d);
  d->add_options()("source", po::value<std::vector<std::string>>(),
                   "checkpoint or store: a directory, or a file://, http:// or https:// URL; "
                   "several are mirrors of one checkpoint; or a magnet link or .torrent (file "
                   "or URL), the URLs beside it then being its web seeds")(
      "keep-files", po::value<std::string>(),
      "torrent: download into DIR and keep the files (a later run resumes from them)")(
      "peer", po::value<std::vector<std::string>>()->composing(),
      "torrent: connect to this peer (IP:PORT; repeatable)")(
      "listen", po::value<std::string>(),
      "torrent: listen on IP:PORT (default 0.0.0.0:0, a free port)")(
      "discovery", po::bool_switch(), "torrent: also DHT, local discovery, UPnP and NAT-PMP")(
      "stall-after", po::value<std::string>(),
      "torrent: give up what the swarm has not sent after SECONDS without a byte (default 60)");
  pos->add("source", -1);
}

namespace {

std::optional<int> ParseSwarmOptions(const po::variables_map& vm, SwarmOptions* o) {
  if (vm.count("keep-files")) o->keep_dir = vm["keep-files"].as<std::string>();
  if (vm.count("peer")) o->peers = vm["peer"].as<std::vector<std::string>>();
  for (const std::string& peer : o->peers) {
    const size_t colon = peer.rfind(':');
    auto port = colon == std::string::npos ? std::nullopt : ParseU64(peer.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535)
      return Fail(kExitUsage, "--peer takes IP:PORT, not '" + peer + "'");
  }
  if (vm.count("listen")) o->listen = vm["listen"].as<std::string>();
  o->discovery = vm["discovery"].as<bool>();
  if (vm.count("stall-after")) {
    auto s = ParseU64(vm["stall-after"].as<std::string>());
    if (!s || *s == 0 || *s > 86400)
      return Fail(kExitUsage, "--stall-after takes whole seconds from 1 to 86400");
    o->stall_seconds = static_cast<double>(*s);
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> ParseSourceArgs(const po::variables_map& vm, const char* usage,
                                   SourceArgs* out) {
  if (!vm.count("source")) return Fail(kExitUsage, usage);
  out->sources = vm["source"].as<std::vector<std::string>>();
  if (auto code = ParseTrust(vm, &out->anchors)) return code;
  if (auto code = ParseHeightPick(vm, &out->pick)) return code;
  out->anchors.height = out->pick.anchors.height;
  out->pick.anchors = out->anchors;
  if (auto code = ParseMaxChunkSize(vm, &out->max_chunk_size)) return code;
  if (auto code = ParseThreads(vm, &out->threads)) return code;
  out->http.max_chunk_size = out->max_chunk_size;
  if (auto code = ParseSwarmOptions(vm, &out->http.swarm)) return code;
  return ParseTransferOptions(vm, out->threads, &out->http);
}

std::optional<int> OpenSourcesOrFail(const SourceArgs& args, std::unique_ptr<ChunkSource>* source,
                                     std::string* dir) {
  Result<std::unique_ptr<ChunkSource>> opened =
      OpenSources(args.sources, args.pick, args.http, dir);
  if (!opened.ok()) {
    const Status& s = opened.status();
    return Fail(s.IsInvalidArgument() ? kExitUsage
                : s.IsUntrusted()     ? kExitVerifyFailed
                                      : kExitError,
                s.message());
  }
  *source = std::move(*opened);
  return std::nullopt;
}

void PrintProblems(const std::vector<ChunkProblem>& problems) {
  for (const ChunkProblem& p : problems) {
    std::cout << (p.chunk < 0 ? "manifest" : "chunk " + std::to_string(p.chunk)) << ": "
              << ChunkClassName(p.cls) << ": " << p.message << "\n";
  }
}

void AddTransferOptions(po::options_description* d) {
  d->add_options()("connections", po::value<std::string>(),
                   "transfers at once over all mirrors (default: 2 x threads)")(
      "min-speed", po::value<std::string>(),
      "drop a mirror slower than RATE bytes/s (N[B|KiB|MiB|GiB]) over --slow-after while "
      "another does better (default: 1MiB)")(
      "slow-after", po::value<std::string>(),
      "seconds a mirror may stay below --min-speed, and a transfer may receive nothing "
      "(default: 20)")("insecure", po::bool_switch(), "do not check TLS certificates");
}

std::optional<int> ParseTransferOptions(const po::variables_map& vm, unsigned threads,
                                        HttpOptions* o) {
  o->connections = 2 * (threads ? threads : std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("connections")) {
    auto n = ParseU64(vm["connections"].as<std::string>());
    if (!n || *n == 0 || *n > kMaxThreads)
      return Fail(kExitUsage,
                  "--connections takes a whole number from 1 to " + std::to_string(kMaxThreads));
    o->connections = static_cast<unsigned>(*n);
  }
  if (vm.count("min-speed")) {
    auto rate = ParseSize(vm["min-speed"].as<std::string>());
    if (!rate) return Fail(kExitUsage, "--min-speed takes N[B|KiB|MiB|GiB] (bytes a second)");
    o->min_speed = *rate;
  }
  if (vm.count("slow-after")) {
    auto s = ParseU64(vm["slow-after"].as<std::string>());
    if (!s || *s == 0 || *s > 3600)
      return Fail(kExitUsage, "--slow-after takes whole seconds from 1 to 3600");
    o->slow_seconds = static_cast<double>(*s);
  }
  o->insecure = vm.count("insecure") && vm["insecure"].as<bool>();
  if (o->insecure)
    std::fprintf(stderr, "checkpoint: --insecure: TLS certificates are not checked\n");
  return std::nullopt;
}

std::optional<int> ParseHeightPick(const po::variables_map& vm, CheckpointPick* pick) {
  if (!vm.count("height")) return std::nullopt;
  const std::string& arg = vm["height"].as<std::string>();
  if (arg == "latest") {
    pick->latest = true;
    return std::nullopt;
  }
  auto h = ParseU64(arg);
  if (!h) return Fail(kExitUsage, "--height takes a whole number or 'latest'");
  pick->anchors.height = *h;
  return std::nullopt;
}

ProgressLine::ProgressLine(const ChunkSource* source, bool enabled)
    : source_(source), start_(std::chrono::steady_clock::now()) {
  if (!enabled) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; })) Draw();
  });
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (drawn_) std::fprintf(stderr, "\r%*s\r", 78, "");
}

void ProgressLine::Draw() {
  const SourceProgress p = source_->Progress();
  if (p.wanted == 0) return;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? p.bytes / secs : 0;
  const double per_chunk = p.done ? static_cast<double>(p.bytes) / p.done : 0;
  const double eta = rate > 0 ? (p.wanted - p.done) * per_chunk / rate : 0;
  std::fprintf(stderr,
               "\r%llu/%llu chunks %7.1f MiB %6.1f MiB/s ETA %4.0f s, mirrors %zu/%zu live ",
               static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.wanted),
               p.bytes / 1048576.0, rate / 1048576, eta, p.mirrors - p.dropped, p.mirrors);
  drawn_ = true;
}

void PrintMirrors(const std::vector<MirrorReport>& mirrors) {
  for (const MirrorReport& m : mirrors) {
    std::cout << "mirror " << m.name << ": " << m.chunks << " chunks, " << m.bytes << " bytes, "
              << m.strikes << " strikes, " << m.failures << " failed transfers"
              << (m.dropped       ? "; dropped: "
                  : m.why.empty() ? ""
                                  : "; ")
              << m.why << "\n";
  }
}

nlohmann::json MirrorsJson(const std::vector<MirrorReport>& mirrors) {
  nlohmann::json out = nlohmann::json::array();
  for (const MirrorReport& m : mirrors) {
    out.push_back({{"name", m.name},
                   {"bytes", m.bytes},
                   {"chunks", m.chunks},
                   {"strikes", m.strikes},
                   {"failures", m.failures},
                   {"requests", m.requests},
                   {"dropped", m.dropped},
                   {"why", m.why}});
  }
  return out;
}

}  // namespace checkpoint::cli
