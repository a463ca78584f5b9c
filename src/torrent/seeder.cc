#include "torrent/seeder.h"

#include <chrono>
#include <cstdio>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/load_torrent.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <map>
#include <set>

#include "checkpoint/store.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "torrent/publish_internal.h"
#include "torrent/session.h"

namespace checkpoint::torrent {
namespace {

struct Seeding {
  lt::torrent_handle handle;
  std::string torrent_bytes;  // to notice a published-again torrent
};

// What a torrent uploaded; 0 for one libtorrent already let go.
uint64_t Uploaded(const lt::torrent_handle& h) {
  try {
    return h.is_valid() ? static_cast<uint64_t>(h.status({}).total_payload_upload) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

Status Seed(const std::string& store, const SeedOptions& options, const std::atomic<bool>* stop) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  lt::settings_pack pack = SessionSettings(options.listen, options.discovery);
  if (options.upload_limit > 0) {
    pack.set_int(lt::settings_pack::upload_rate_limit,
                 static_cast<int>(std::min<uint64_t>(options.upload_limit, INT32_MAX)));
  }
  lt::session session{lt::session_params(std::move(pack))};
  if (options.upload_limit > 0) {
    // libtorrent puts LAN and loopback peers in a class without limits; the
    // operator's limit is for every peer, so every address is in the global one.
    lt::ip_filter classes;
    const std::uint32_t global = 1u
                                 << static_cast<std::uint32_t>(lt::session::global_peer_class_id);
    classes.add_rule(lt::make_address("0.0.0.0"), lt::make_address("255.255.255.255"), global);
    classes.add_rule(lt::make_address("::"),
                     lt::make_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), global);
    session.set_peer_class_filter(classes);
  }
  std::map<std::string, Seeding> seeding;  // by checkpoint name
  const bool debug = DebugAlerts();
  auto next_scan = std::chrono::steady_clock::now();
  std::vector<lt::alert*> alerts;
  Status result;
  uint64_t dropped_upload = 0;  // by torrents no longer seeded
  while (!stop->load()) {
    if (std::chrono::steady_clock::now() >= next_scan) {
      next_scan = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(options.rescan_seconds * 1000));
      Result<StoreListing> listing = ListStore(store);
      if (!listing.ok()) {
        result = listing.status();
        break;
      }
      std::set<std::string> present;
      for (const StoredCheckpoint& c : listing->checkpoints) {
        std::string bytes;
        if (!ReadFileBounded(c.path + "/" + kTorrentFile, kMaxTorrentFileBytes, &bytes).ok())
          continue;
        present.insert(c.name);
        auto it = seeding.find(c.name);
        if (it != seeding.end() && it->second.torrent_bytes == bytes) continue;
        if (it != seeding.end()) {  // published again: the old torrent goes first
          dropped_upload += Uploaded(it->second.handle);
          session.remove_torrent(it->second.handle);
          seeding.erase(it);
        }
        lt::load_torrent_limits limits;
        limits.max_buffer_size = static_cast<int>(kMaxTorrentFileBytes);
        lt::add_torrent_params p;
        try {
          p = lt::load_torrent_buffer(
              lt::span<char const>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())),
              limits);
        } catch (const std::exception& e) {
          log("skipped " + c.name + ": " + kTorrentFile + ": " + e.what());
          continue;
        }
        // The torrent names the checkpoint's directory and exactly its files
        // (libtorrent would make whatever else it lists, links included).
        if (!p.ti || p.ti->name() != c.name) {
          log("skipped " + c.name + ": its torrent names another directory");
          continue;
        }
        if (Status fits = TorrentMatchesCheckpoint(*p.ti, c.path); !fits.ok()) {
          log("skipped " + c.name + ": " + fits.message());
          continue;
        }
        p.save_path = store;
        p.flags |= lt::torrent_flags::seed_mode;
        // Not super-seeding: it reveals one piece at a time, and a downloader
        // wanting the manifest first waited for it forever.
        p.flags &= ~lt::torrent_flags::auto_managed;
        p.flags &= ~lt::torrent_flags::paused;
        lt::error_code ec;
        lt::torrent_handle h = session.add_torrent(std::move(p), ec);
        if (ec) {
          log("skipped " + c.name + ": " + ec.message());
          continue;
        }
        seeding[c.name] = {h, std::move(bytes)};
        log("seeding " + c.name);
      }
      for (auto it = seeding.begin(); it != seeding.end();) {
        if (present.count(it->first)) {
          ++it;
          continue;
        }
        dropped_upload += Uploaded(it->second.handle);
        session.remove_torrent(it->second.handle);
        log("dropped " + it->first);
        it = seeding.erase(it);
      }
    }
    session.wait_for_alert(std::chrono::milliseconds(200));
    session.pop_alerts(&alerts);
    for (lt::alert* a : alerts) {
      if (debug) std::fprintf(stderr, "libtorrent: %s: %s\n", a->what(), a->message().c_str());
      if (auto* ok = lt::alert_cast<lt::listen_succeeded_alert>(a)) {
        if (ok->socket_type == lt::socket_type_t::tcp)
          log("listening on " + ok->address.to_string() + ":" + std::to_string(ok->port));
      } else if (auto* failed = lt::alert_cast<lt::listen_failed_alert>(a)) {
        result = Status::IOError("cannot listen on " + failed->address.to_string() + ":" +
                                 std::to_string(failed->port) + ": " + failed->error.message());
      } else if (auto* err = lt::alert_cast<lt::torrent_error_alert>(a)) {
        // A checkpoint pruned under it: dropped at the next scan.
        log(std::string("error ") + err->torrent_name() + ": " + err->error.message());
      }
    }
    if (!result.ok()) break;
  }
  uint64_t uploaded = dropped_upload;
  for (auto& [name, s] : seeding) {
    uploaded += Uploaded(s.handle);
    session.remove_torrent(s.handle);
  }
  log("stopped; uploaded " + std::to_string(uploaded) + " bytes");
  return result;
}

}  // namespace checkpoint::torrent
