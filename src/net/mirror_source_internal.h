// MirrorSource's insides, shared by its two files: mirror_source.cc (the
// transfer thread and its scheduling) and mirror_manifests.cc (asking every
// mirror for its manifest). Nothing outside src/net includes this.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "checkpoint/source.h"
#include "net/http.h"
#include "net/mirror_source.h"

namespace checkpoint::net {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kMaxStrikes = 3;
constexpr int kMaxConnectionErrors = 3;
// Transient failures (a reset, a 5xx, a cut body) of one chunk at one mirror
// before that mirror is no longer asked for it.
constexpr int kTriesPerMirror = 2;
constexpr auto kPollInterval = std::chrono::milliseconds(200);
// A transfer this old and below min_speed is raced by another mirror.
constexpr double kRaceAfterSeconds = 1;

inline double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Mirror {
  std::string base;      // checkpoint directory URL; "" for a local directory
  std::string dir;       // local directory
  bool broken = false;   // could not be found at all
  bool serving = false;  // offered the manifest being fetched
  MirrorReport report;
  int in_flight = 0;
  int errors_in_a_row = 0;
  Clock::time_point retry_after{};
  double best_rate = 0;  // bytes/s of its fastest finished transfer
  bool live() const { return serving && !report.dropped; }
};

struct Transfer {
  CURL* easy = nullptr;
  size_t chunk = 0, mirror = 0;
  net::Body body;
  Clock::time_point start;
};

struct ChunkState {
  bool wanted = false, done = false, unavailable = false, queued = false;
  int copies = 0;                                  // being received, waiting, or being checked
  std::set<size_t> failed_at;                      // mirrors not asked again
  std::map<size_t, int> tries;                     // transient failures per mirror
  ChunkProblem last{0, ChunkClass::kMissing, ""};  // the last failure
};

class MirrorSource : public ChunkSource {
 public:
  MirrorSource(const std::vector<net::MirrorSpec>& mirrors, const HttpOptions& o) : options_(o) {
    net::InitCurl();
    for (const net::MirrorSpec& spec : mirrors) {
      const std::string& name = spec.location;
      Mirror m;
      m.report.name = net::RedactUrl(name);
      m.report.why = spec.error;
      m.broken = !spec.error.empty();
      if (net::IsHttpUrl(name)) {
        m.base = name;
      } else {
        const std::string path = net::FilePathOfUrl(name);
        m.dir = path.empty() ? name : path;
      }
      mirrors_.push_back(std::move(m));
    }
    multi_ = curl_multi_init();
  }
  ~MirrorSource() override {
    Cancel();
    if (worker_.joinable()) worker_.join();
    curl_multi_cleanup(multi_);
  }

  Result<std::vector<ManifestOffer>> Manifests() override;
  void Start(const ManifestOffer& offer, const Manifest& m,
             const std::vector<size_t>& wanted) override;
  Result<std::optional<ChunkDelivery>> Next() override;
  void Judge(const ChunkDelivery& d, const ChunkCheck& check) override;
  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    curl_multi_wakeup(multi_);
    cv_.notify_all();
  }
  std::vector<ChunkProblem> Unavailable() const override;
  std::vector<std::string> Signatures(const ManifestOffer& offer,
                                      const std::vector<std::string>& key_ids) override;
  SourceProgress Progress() const override {
    std::lock_guard<std::mutex> lock(mu_);
    SourceProgress p;
    p.wanted = wanted_.size();
    for (size_t i : wanted_) p.done += chunks_[i].done;
    for (const Mirror& m : mirrors_) {
      p.bytes += m.report.bytes;
      if (!m.serving) continue;
      ++p.mirrors;
      p.dropped += m.report.dropped;
    }
    return p;
  }
  std::vector<MirrorReport> Mirrors() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<MirrorReport> out;
    for (const Mirror& m : mirrors_) out.push_back(m.report);
    return out;
  }

 private:
  void Run();
  void Schedule(Clock::time_point now);
  // Running kRaceAfterSeconds and below min_speed on average.
  bool Slow(const Transfer& t, Clock::time_point now) const;
  void StartTransfer(size_t chunk, size_t mirror, Clock::time_point now);
  void ReadLocal(size_t chunk, size_t mirror);
  void Finished(Transfer* t, CURLcode code, Clock::time_point now);
  void Fail(size_t chunk, size_t mirror, ChunkClass cls, const std::string& why, bool strike,
            bool transient, Clock::time_point now);
  void Strike(size_t mirror, const std::string& why);
  void Drop(size_t mirror, const std::string& why);
  void DropSlow(Clock::time_point now);
  void Abort(size_t transfer_index);
  void Requeue(size_t chunk) {
    ChunkState& c = chunks_[chunk];
    if (!c.done && !c.unavailable && c.copies == 0 && !c.queued) {
      c.queued = true;
      queue_.push_front(chunk);
    }
  }
  bool AllResolved() const {
    for (size_t i : wanted_) {
      if (!chunks_[i].done && !chunks_[i].unavailable) return false;
    }
    return true;
  }
  // The live mirror to ask for `chunk` now; npos when none may be asked now,
  // and *ever false when none ever may.
  size_t PickMirror(size_t chunk, Clock::time_point now, size_t except, bool* ever) const;

  const HttpOptions options_;
  CURLM* multi_ = nullptr;
  std::thread worker_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Mirror> mirrors_;
  Manifest manifest_;
  std::vector<size_t> wanted_;
  std::vector<ChunkState> chunks_;
  std::deque<size_t> queue_;
  std::vector<std::unique_ptr<Transfer>> transfers_;
  std::deque<ChunkDelivery> ready_;
  size_t checking_ = 0;
  unsigned connections_ = 1;
  bool cancelled_ = false, finished_ = false;
  Status local_error_;
};

}  // namespace checkpoint::net
