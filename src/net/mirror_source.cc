// MirrorSource: chunks of one checkpoint from several untrusted mirrors over
// libcurl's multi interface, on one transfer thread.
//
// Scheduling: at most `connections` chunks are held at once (being received,
// waiting to be checked, or being checked), not counting slow transfers
// (below min_speed after a second), which are raced at once by another
// mirror; at most 2 × connections transfers run. So memory is bounded by
// 2 × connections × the largest chunk file. A chunk goes to the live mirror
// with the fewest transfers that has not failed it; when nothing is left to
// ask for, an idle mirror races any running transfer (the first good copy
// wins). Blame: a bad chunk, an over-long body or an HTTP error is a strike;
// kMaxStrikes strikes, kMaxConnectionErrors failed transfers in a row, or
// staying below min_speed while another mirror does better drops a mirror.
// A chunk every mirror has failed is unavailable: the run ends, never loops.
#include <algorithm>

#include "checkpoint/checkpoint.h"
#include "chunk/format.h"
#include "net/mirror_source_internal.h"
#include "ops/chunk_check.h"
#include "ops/files.h"

namespace checkpoint::net {

void MirrorSource::Start(const ManifestOffer& offer, const Manifest& m,
                         const std::vector<size_t>& wanted) {
  Cancel();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lock(mu_);
  ready_.clear();
  queue_.clear();
  checking_ = 0;
  cancelled_ = finished_ = false;
  manifest_ = m;
  wanted_ = wanted;
  chunks_.assign(m.chunks.size(), ChunkState{});
  for (Mirror& mirror : mirrors_) mirror.serving = false;
  for (size_t i : offer.mirrors) {
    if (i < mirrors_.size()) mirrors_[i].serving = true;
  }
  for (size_t i : wanted_) {
    chunks_[i].wanted = chunks_[i].queued = true;
    queue_.push_back(i);
  }
  connections_ = std::max(1u, options_.connections);
  worker_ = std::thread([this] { Run(); });
}

size_t MirrorSource::PickMirror(size_t chunk, Clock::time_point now, size_t except,
                                bool* ever) const {
  const ChunkState& c = chunks_[chunk];
  size_t best = std::string::npos;
  *ever = false;
  for (size_t i = 0; i < mirrors_.size(); ++i) {
    const Mirror& m = mirrors_[i];
    if (!m.live() || i == except || c.failed_at.count(i)) continue;
    *ever = true;
    if (now < m.retry_after || m.in_flight >= static_cast<int>(connections_)) continue;
    if (best == std::string::npos || m.in_flight < mirrors_[best].in_flight ||
        (m.in_flight == mirrors_[best].in_flight && m.best_rate > mirrors_[best].best_rate)) {
      best = i;
    }
  }
  return best;
}

bool MirrorSource::Slow(const Transfer& t, Clock::time_point now) const {
  const double age = Seconds(now - t.start);
  return age >= kRaceAfterSeconds &&
         static_cast<double>(t.body.data.size()) < age * static_cast<double>(options_.min_speed);
}

void MirrorSource::Schedule(Clock::time_point now) {
  // Chunks whose copy arrived elsewhere, and dropped mirrors: stop receiving.
  for (size_t t = transfers_.size(); t-- > 0;) {
    if (chunks_[transfers_[t]->chunk].done || mirrors_[transfers_[t]->mirror].report.dropped)
      Abort(t);
  }
  // A slow transfer holds little and keeps no slot from faster mirrors; the
  // hard cap bounds how many there may be.
  size_t slow = 0;
  for (const auto& t : transfers_) slow += Slow(*t, now);
  auto room = [&] {
    return transfers_.size() - slow + ready_.size() + checking_ < connections_ &&
           transfers_.size() < 2 * connections_;
  };
  std::deque<size_t> later;
  while (room() && !queue_.empty()) {
    const size_t chunk = queue_.front();
    queue_.pop_front();
    ChunkState& c = chunks_[chunk];
    c.queued = false;
    if (c.done || c.unavailable || c.copies > 0) continue;
    bool ever;
    const size_t mirror = PickMirror(chunk, now, std::string::npos, &ever);
    if (mirror != std::string::npos) {
      StartTransfer(chunk, mirror, now);
    } else if (ever) {
      later.push_back(chunk);  // a mirror backing off, or busy
      c.queued = true;
    } else {
      c.unavailable = true;
      if (c.failed_at.empty()) c.last.message = "no mirror left to ask (every one was dropped)";
    }
  }
  for (size_t chunk : later) queue_.push_back(chunk);
  // Races: another mirror takes on a slow transfer's chunk at once; and when
  // nothing is left to ask for, an idle mirror races any transfer still running.
  const size_t running = transfers_.size();
  for (size_t t = 0; t < running && room(); ++t) {
    const Transfer& x = *transfers_[t];
    if (chunks_[x.chunk].copies != 1) continue;
    const bool race = Slow(x, now) || queue_.empty();
    if (!race) continue;
    bool ever;
    const size_t mirror = PickMirror(x.chunk, now, x.mirror, &ever);
    if (mirror != std::string::npos && (Slow(x, now) || mirrors_[mirror].in_flight == 0))
      StartTransfer(x.chunk, mirror, now);
  }
}

void MirrorSource::StartTransfer(size_t chunk, size_t mirror, Clock::time_point now) {
  Mirror& m = mirrors_[mirror];
  ++chunks_[chunk].copies;
  ++m.report.requests;
  if (m.base.empty()) {
    ReadLocal(chunk, mirror);
    return;
  }
  auto t = std::make_unique<Transfer>();
  t->chunk = chunk;
  t->mirror = mirror;
  t->start = now;
  t->body.cap = MaxChunkFileBytes(manifest_.chunks[chunk].raw_size);
  t->easy = net::NewTransfer(net::JoinUrl(m.base, ChunkFileName(chunk)), &t->body, options_);
  if (!t->easy) {
    --chunks_[chunk].copies;
    local_error_ = Status::IOError("cannot start a transfer (libcurl)");
    return;
  }
  curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t.get());
  // Even a lone mirror may not take longer than min_speed allows for the
  // largest body this chunk may have (a 1 B/s drip would take hours).
  curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, net::DeadlineMs(t->body.cap, options_));
  curl_multi_add_handle(multi_, t->easy);
  ++m.in_flight;
  transfers_.push_back(std::move(t));
}

// A local mirror reads at once (on the transfer thread, under the lock: it
// is a file, bounded like every read).
void MirrorSource::ReadLocal(size_t chunk, size_t mirror) {
  Result<std::string> file = ReadChunkFile(mirrors_[mirror].dir, manifest_, chunk);
  --chunks_[chunk].copies;
  if (IsLocalReadError(file.status())) {
    local_error_ = file.status();
    return;
  }
  if (!file.ok()) {
    const ChunkCheck why = ReadFailure(file.status(), chunk);
    Fail(chunk, mirror, why.cls, why.message, why.cls != ChunkClass::kMissing, false, Clock::now());
    return;
  }
  ++chunks_[chunk].copies;
  ready_.push_back({chunk, std::move(*file), mirror});
  cv_.notify_one();
}

void MirrorSource::Abort(size_t t) {
  Transfer& x = *transfers_[t];
  curl_multi_remove_handle(multi_, x.easy);
  curl_easy_cleanup(x.easy);
  --mirrors_[x.mirror].in_flight;
  --chunks_[x.chunk].copies;
  Requeue(x.chunk);
  transfers_.erase(transfers_.begin() + t);
}

void MirrorSource::Strike(size_t mirror, const std::string& why) {
  Mirror& m = mirrors_[mirror];
  if (++m.report.strikes >= kMaxStrikes && !m.report.dropped) {
    Drop(mirror, std::to_string(m.report.strikes) + " strikes, the last: " + why);
  }
}

// Its transfers end on the transfer thread's next round (Schedule): only
// that thread touches the multi handle.
void MirrorSource::Drop(size_t mirror, const std::string& why) {
  Mirror& m = mirrors_[mirror];
  m.report.dropped = true;
  m.report.why = why;
}

void MirrorSource::Fail(size_t chunk, size_t mirror, ChunkClass cls, const std::string& why,
                        bool strike, bool transient, Clock::time_point now) {
  ChunkState& c = chunks_[chunk];
  Mirror& m = mirrors_[mirror];
  c.last = {static_cast<int64_t>(chunk), cls, m.report.name + ": " + why};
  if (!transient || ++c.tries[mirror] >= kTriesPerMirror) c.failed_at.insert(mirror);
  if (strike) Strike(mirror, why);
  if (transient) {
    ++m.report.failures;
    ++m.errors_in_a_row;
    m.retry_after = now + std::chrono::milliseconds(100 << std::min(m.errors_in_a_row, 6));
    if (m.errors_in_a_row >= kMaxConnectionErrors && !m.report.dropped) {
      Drop(mirror,
           std::to_string(m.errors_in_a_row) + " failed transfers in a row, the last: " + why);
    }
  }
  Requeue(chunk);
}

void MirrorSource::Finished(Transfer* t, CURLcode code, Clock::time_point now) {
  const size_t chunk = t->chunk, mirror = t->mirror;
  bool transient;
  Status s = net::TransferStatus(t->easy, code, t->body, &transient);
  Mirror& m = mirrors_[mirror];
  --m.in_flight;
  --chunks_[chunk].copies;
  if (chunks_[chunk].done) return;  // another copy won
  if (s.ok()) {
    m.errors_in_a_row = 0;
    m.best_rate =
        std::max(m.best_rate, t->body.data.size() / std::max(1e-6, Seconds(now - t->start)));
    ++chunks_[chunk].copies;
    ready_.push_back({chunk, std::move(t->body.data), mirror});
    cv_.notify_one();
    return;
  }
  if (s.IsNotFound()) {
    Fail(chunk, mirror, ChunkClass::kMissing, s.message(), true, false, now);
  } else if (s.IsCorruption()) {
    Fail(chunk, mirror, ChunkClass::kCorrupt, s.message(), true, false, now);
  } else {
    // HTTP errors count against the mirror; connection trouble only in a row.
    const bool http_error = s.message().find(": HTTP ") != std::string::npos;
    Fail(chunk, mirror, ChunkClass::kMissing, s.message(), http_error || !transient, transient,
         now);
  }
}

// A mirror below min_speed for slow_seconds, while another does better, is dropped.
void MirrorSource::DropSlow(Clock::time_point now) {
  for (size_t t = 0; t < transfers_.size(); ++t) {
    const Transfer& x = *transfers_[t];
    const double age = Seconds(now - x.start);
    if (age < options_.slow_seconds) continue;
    curl_off_t got = 0;
    curl_easy_getinfo(x.easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
    const double rate = got / age;
    if (rate >= static_cast<double>(options_.min_speed)) continue;
    for (size_t i = 0; i < mirrors_.size(); ++i) {
      if (i != x.mirror && mirrors_[i].live() && mirrors_[i].best_rate > rate) {
        char why[96];
        std::snprintf(why, sizeof(why), "slower than --min-speed (%.0f B/s over %.0f s)", rate,
                      age);
        Drop(x.mirror, why);
        break;
      }
    }
  }
}

void MirrorSource::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cancelled_ && local_error_.ok() && !AllResolved()) {
    const auto now = Clock::now();
    DropSlow(now);
    Schedule(now);
    if (!local_error_.ok()) break;
    lock.unlock();
    int running;
    curl_multi_perform(multi_, &running);
    std::vector<std::pair<Transfer*, CURLcode>> done;
    int left;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
      done.push_back({t, msg->data.result});
    }
    lock.lock();
    for (auto [t, code] : done) {
      auto it = std::find_if(transfers_.begin(), transfers_.end(),
                             [t = t](const auto& x) { return x.get() == t; });
      if (it == transfers_.end()) continue;
      std::unique_ptr<Transfer> owned = std::move(*it);
      transfers_.erase(it);
      curl_multi_remove_handle(multi_, owned->easy);
      Finished(owned.get(), code, Clock::now());
      curl_easy_cleanup(owned->easy);
    }
    if (!done.empty()) continue;
    lock.unlock();
    curl_multi_poll(multi_, nullptr, 0, static_cast<int>(kPollInterval.count()), nullptr);
    lock.lock();
  }
  while (!transfers_.empty()) Abort(transfers_.size() - 1);
  finished_ = true;
  cv_.notify_all();
}

Result<std::optional<ChunkDelivery>> MirrorSource::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !ready_.empty() || finished_; });
    if (!local_error_.ok()) return local_error_;
    if (ready_.empty()) return std::optional<ChunkDelivery>();
    ChunkDelivery d = std::move(ready_.front());
    ready_.pop_front();
    if (chunks_[d.index].done || cancelled_) {
      --chunks_[d.index].copies;
      curl_multi_wakeup(multi_);
      continue;
    }
    ++checking_;
    return std::optional<ChunkDelivery>(std::move(d));
  }
}

void MirrorSource::Judge(const ChunkDelivery& d, const ChunkCheck& check) {
  std::lock_guard<std::mutex> lock(mu_);
  --checking_;
  ChunkState& c = chunks_[d.index];
  --c.copies;
  Mirror& m = mirrors_[d.mirror];
  m.report.bytes += d.bytes.size();
  if (check.cls == ChunkClass::kOk) {
    c.done = true;
    ++m.report.chunks;
  } else if (!c.done) {
    Fail(d.index, d.mirror, check.cls,
         std::string(ChunkClassName(check.cls)) + ": " + check.message, true, false, Clock::now());
  }
  curl_multi_wakeup(multi_);
}

std::vector<ChunkProblem> MirrorSource::Unavailable() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ChunkProblem> out;
  for (size_t i : wanted_) {
    const ChunkState& c = chunks_[i];
    if (c.done) continue;
    ChunkProblem p = c.last;
    p.chunk = static_cast<int64_t>(i);
    if (!c.unavailable) p.message = "not fetched: the run was stopped";
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace checkpoint::net

namespace checkpoint {

std::unique_ptr<ChunkSource> net::NewMirrorSource(const std::vector<net::MirrorSpec>& mirrors,
                                                  const HttpOptions& options) {
  return std::make_unique<net::MirrorSource>(mirrors, options);
}

std::unique_ptr<ChunkSource> NewMirrorSource(const std::vector<std::string>& mirrors,
                                             const HttpOptions& options) {
  std::vector<net::MirrorSpec> specs;
  for (const std::string& m : mirrors) specs.push_back({m, ""});
  return net::NewMirrorSource(specs, options);
}

}  // namespace checkpoint
