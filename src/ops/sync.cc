#include "ops/sync.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "delta/delta_check.h"
#include "ops/chunk_check.h"
#include "ops/signatures.h"

namespace checkpoint {

std::vector<size_t> CheckOrder(const std::vector<size_t>& asked, size_t chunks) {
  std::vector<size_t> order;
  std::vector<bool> queued(chunks, false);
  for (size_t i : asked) {
    if (i < chunks && !queued[i]) order.push_back(i), queued[i] = true;
  }
  for (size_t i = 0; i < chunks; ++i) {
    if (!queued[i]) order.push_back(i);
  }
  return order;
}

unsigned ThreadsOrCores(unsigned threads) {
  return threads ? threads : std::max(1u, std::thread::hardware_concurrency());
}

std::vector<MirrorReport> Offers::Mirrors(const ChunkSource& source) const {
  std::vector<MirrorReport> out = source.Mirrors();
  for (const auto& [i, why] : rejected) {
    if (i < out.size() && out[i].why.empty()) out[i].why = why;
  }
  return out;
}

Result<Offers> AnchoredOffers(ChunkSource* source, const Anchors& anchors,
                              uint64_t max_chunk_size) {
  CHECKPOINT_ASSIGN_OR_RETURN(std::vector<ManifestOffer> offers, source->Manifests());
  const std::vector<MirrorReport> mirrors = source->Mirrors();
  Offers out;
  std::vector<std::string> key_ids;  // the configured operator keys', parsed once
  if (!anchors.pubkeys.empty()) {
    CHECKPOINT_ASSIGN_OR_RETURN(key_ids, ConfiguredKeyIds(anchors));
  }
  for (ManifestOffer& offer : offers) {
    AnchoredOffer a;
    Hash id;
    ChunkClass cls;
    Status s = CheckAnchors(offer.bytes, anchors, max_chunk_size, &a.manifest, &id, &cls);
    if (!s.ok()) {
      std::string who;
      for (size_t i : offer.mirrors) {
        who += (who.empty() ? "" : ", ") + mirrors[i].name;
        out.rejected.push_back({i, "manifest rejected: " + s.message()});
      }
      out.problems.push_back(
          {-1, cls, mirrors.size() > 1 ? who + ": " + s.message() : s.message()});
      continue;
    }
    if (!out.anchored.empty() && !anchors.root && anchors.pubkeys.empty()) continue;
    if (!anchors.pubkeys.empty()) {
      s = CheckSignatures(offer.bytes, source->Signatures(offer, key_ids), anchors);
      if (!s.ok()) {
        std::string who;
        for (size_t i : offer.mirrors) {
          who += (who.empty() ? "" : ", ") + mirrors[i].name;
          out.rejected.push_back({i, "manifest untrusted: " + s.message()});
        }
        out.problems.push_back({-1, ChunkClass::kUntrusted,
                                mirrors.size() > 1 ? who + ": " + s.message() : s.message()});
        continue;
      }
    }
    a.offer = std::move(offer);
    out.anchored.push_back(std::move(a));
  }
  // Under operator keys alone, every signed manifest is a candidate: the
  // newest first, so a mirror replaying an older signed checkpoint neither
  // wins nor blocks the run.
  if (!anchors.root && !anchors.pubkeys.empty()) {
    std::stable_sort(out.anchored.begin(), out.anchored.end(),
                     [](const AnchoredOffer& a, const AnchoredOffer& b) {
                       return a.manifest.height > b.manifest.height;
                     });
    // The newest root only: a run whose newest chunks fail must fail, not
    // quietly give an older state (mirrors made flaky would hold nodes back).
    // Other manifests of that root may still stand in for a forged one.
    const Hash newest = out.anchored.empty() ? Hash{} : out.anchored.front().manifest.root;
    std::erase_if(out.anchored, [&](const AnchoredOffer& a) { return a.manifest.root != newest; });
  }
  if (offers.empty()) {
    std::string why;
    for (const MirrorReport& m : mirrors) {
      if (m.why.empty()) continue;
      why += (why.empty() ? "" : "; ") + (mirrors.size() > 1 ? m.name + ": " : "") + m.why;
    }
    out.problems.push_back(
        {-1, ChunkClass::kMissing, "no manifest" + (why.empty() ? "" : " (" + why + ")")});
  }
  return out;
}

Status PullChunks(ChunkSource* source, unsigned threads, const DeliveryCheck& check,
                  uint64_t* bytes, std::string* local_error) {
  std::mutex mu;
  Status failed;
  auto work = [&] {
    for (;;) {
      Result<std::optional<ChunkDelivery>> next = source->Next();
      if (!next.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (local_error->empty()) *local_error = next.status().message();
        source->Cancel();
        return;
      }
      if (!next->has_value()) return;
      const ChunkDelivery& d = **next;
      ChunkCheck c;
      Status s = check(d, &c);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (failed.ok()) failed = s;
        source->Cancel();
        return;
      }
      source->Judge(d, c);
      std::lock_guard<std::mutex> lock(mu);
      *bytes += d.bytes.size();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return failed;
}

Result<VerifyReport> VerifySource(ChunkSource* source, const VerifyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  VerifyReport report;
  CHECKPOINT_ASSIGN_OR_RETURN(Offers found,
                              AnchoredOffers(source, options.anchors, options.max_chunk_size));
  const std::vector<AnchoredOffer>& offers = found.anchored;
  report.problems = found.problems;
  for (size_t k = 0; k < offers.size(); ++k) {
    const Manifest& m = offers[k].manifest;
    const Hash root = options.anchors.root ? *options.anchors.root : m.root;
    std::unique_ptr<DeltaBase> base;
    Status usable;
    if (m.is_delta() && !options.base_db.empty()) {
      Result<std::unique_ptr<DeltaBase>> opened = OpenDeltaBase(options.base_db, m);
      if (opened.ok()) {
        base = std::move(*opened);
      } else {
        usable = opened.status();
      }
    } else if (m.is_delta() && DeltaNeedsBase(options.anchors)) {
      usable = Status::InvalidArgument(kDeltaNeedsBase);
    }
    if (!usable.ok()) {
      // Another manifest of the root may be one this can check.
      if (k + 1 < offers.size()) continue;
      if (usable.IsInvalidArgument() && options.base_db.empty()) {
        report.problems.push_back({-1, ChunkClass::kInvalid, usable.message()});
        break;
      }
      return usable;
    }
    const PinnedHeight* pin = base ? &base->pin : nullptr;
    source->Start(offers[k].offer, m, CheckOrder(options.order, m.chunks.size()));
    std::atomic<uint64_t> raw{0};
    uint64_t bytes = 0;
    Status s = PullChunks(
        source, ThreadsOrCores(options.threads),
        [&](const ChunkDelivery& d, ChunkCheck* check) {
          *check = CheckAnyChunk(m, root, d.index, d.bytes, pin);
          if (check->cls == ChunkClass::kOk) raw += check->raw_bytes;
          return Status::OK();
        },
        &bytes, &report.local_error);
    CHECKPOINT_RETURN_IF_ERROR(s);
    report.bytes += bytes;
    std::vector<ChunkProblem> missing = source->Unavailable();
    // Under --root, a manifest whose chunks nobody provides may be the forgery: try the next.
    if (!missing.empty() && k + 1 < offers.size() && report.local_error.empty()) continue;
    report.manifest = m;
    report.id = offers[k].offer.id;
    report.manifest_ok = true;
    report.proofs_need_base = m.is_delta() && !pin;
    report.raw_bytes = raw;
    report.problems = std::move(missing);
    break;
  }
  report.mirrors = found.Mirrors(*source);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.local_error.empty()) return Status::IOError(report.local_error);
  return report;
}

}  // namespace checkpoint
