#include <algorithm>

#include "checkpoint/checkpoint.h"
#include "net/mirror_source_internal.h"
#include "ops/files.h"

namespace checkpoint::net {

// Every mirror's manifest.json, at most `connections` transfers at a time.
// A body is judged as it arrives: a copy of a manifest already offered is
// dropped at once, and so is one that does not parse; so what is held is
// the transfers in flight plus one copy of each distinct, well-formed
// manifest (anchoring them is the caller's).
Result<std::vector<ManifestOffer>> MirrorSource::Manifests() {
  std::vector<ManifestOffer> offers;
  auto offered = [&](size_t i, std::string bytes) {
    const Hash id = ManifestId(bytes);
    mirrors_[i].report.bytes += bytes.size();
    auto same = std::find_if(offers.begin(), offers.end(),
                             [&](const ManifestOffer& o) { return o.id == id; });
    if (same != offers.end()) {
      same->mirrors.push_back(i);
      return true;
    }
    Manifest parsed;
    Status s = ParseManifest(bytes, &parsed);
    if (!s.ok()) {
      mirrors_[i].report.why = "manifest: " + s.message();
      return false;
    }
    offers.push_back({std::move(bytes), id, {i}});
    return true;
  };
  std::deque<size_t> to_ask;
  for (size_t i = 0; i < mirrors_.size(); ++i) {
    if (mirrors_[i].broken) continue;
    if (!mirrors_[i].base.empty()) {
      to_ask.push_back(i);
      continue;
    }
    std::string bytes;
    Status s = ReadManifestFile(mirrors_[i].dir, &bytes);
    if (!s.ok() && !s.IsNotFound() && !s.IsCorruption()) return s;  // this machine's
    if (s.ok()) {
      offered(i, std::move(bytes));
    } else {
      mirrors_[i].report.why = "manifest: " + s.message();
    }
  }
  struct Asking {
    size_t mirror;
    net::Body body;
    Clock::time_point start;
  };
  std::map<CURL*, std::unique_ptr<Asking>> asking;
  const size_t at_once = std::max(1u, options_.connections);
  // Once a mirror has answered, one still below min_speed after slow_seconds
  // is given up (as DropSlow does for chunks): a dripped manifest must not
  // hold the run until its deadline.
  bool answered = false;
  for (;;) {
    while (asking.size() < at_once && !to_ask.empty()) {
      auto a = std::make_unique<Asking>();
      a->mirror = to_ask.front();
      to_ask.pop_front();
      a->body.cap = kMaxManifestBytes;
      CURL* e = net::NewTransfer(net::JoinUrl(mirrors_[a->mirror].base, kManifestFile), &a->body,
                                 options_);
      if (!e) return Status::IOError("cannot start a transfer (libcurl)");
      curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, net::DeadlineMs(kMaxManifestBytes, options_));
      curl_multi_add_handle(multi_, e);
      ++mirrors_[a->mirror].report.requests;
      a->start = Clock::now();
      asking[e] = std::move(a);
    }
    if (asking.empty()) break;
    int running;
    curl_multi_perform(multi_, &running);
    int left;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* e = msg->easy_handle;
      std::unique_ptr<Asking> a = std::move(asking[e]);
      asking.erase(e);
      bool transient;
      Status s = net::TransferStatus(e, msg->data.result, a->body, &transient);
      curl_multi_remove_handle(multi_, e);
      curl_easy_cleanup(e);
      if (!s.ok()) {
        mirrors_[a->mirror].report.why = "manifest: " + s.message();
        continue;
      }
      answered |= offered(a->mirror, std::move(a->body.data));
    }
    const auto now = Clock::now();
    for (auto it = asking.begin(); answered && it != asking.end();) {
      const double age = Seconds(now - it->second->start);
      const double rate = static_cast<double>(it->second->body.data.size()) / age;
      if (age < options_.slow_seconds || rate >= static_cast<double>(options_.min_speed)) {
        ++it;
        continue;
      }
      char why[96];
      std::snprintf(why, sizeof(why), "manifest: slower than --min-speed (%.0f B/s over %.0f s)",
                    rate, age);
      mirrors_[it->second->mirror].report.why = why;
      curl_multi_remove_handle(multi_, it->first);
      curl_easy_cleanup(it->first);
      it = asking.erase(it);
    }
    if (!asking.empty()) curl_multi_poll(multi_, nullptr, 0, 200, nullptr);
  }
  std::stable_sort(offers.begin(), offers.end(),
                   [](const ManifestOffer& a, const ManifestOffer& b) {
                     return a.mirrors.size() > b.mirrors.size();
                   });
  return offers;
}

// Every offering mirror's copy of each key's signature (distinct texts):
// one mirror serving a bad signature must not hide another's good one.
std::vector<std::string> MirrorSource::Signatures(const ManifestOffer& offer,
                                                  const std::vector<std::string>& key_ids) {
  std::vector<std::string> out;
  for (const std::string& id : key_ids) {
    const std::string name = std::string(kSignatureDir) + "/" + id + ".minisig";
    for (size_t i : offer.mirrors) {
      if (i >= mirrors_.size()) continue;
      const Mirror& m = mirrors_[i];
      std::string text;
      if (m.base.empty()) {
        if (!ReadFileBounded(m.dir + "/" + name, kMaxSignatureFileBytes, &text).ok()) continue;
      } else {
        Result<std::string> got = FetchUrl(JoinUrl(m.base, name), kMaxSignatureFileBytes, options_);
        if (!got.ok()) continue;
        text = std::move(*got);
      }
      if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
    }
  }
  return out;
}

}  // namespace checkpoint::net
