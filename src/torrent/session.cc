#include "torrent/session.h"

#include <stdlib.h>

#include <libtorrent/alert.hpp>

namespace checkpoint::torrent {

bool DebugAlerts() { return ::getenv("CHECKPOINT_TORRENT_DEBUG") != nullptr; }

lt::settings_pack SessionSettings(const std::string& listen, bool discovery) {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, listen);
  pack.set_bool(lt::settings_pack::enable_dht, discovery);
  pack.set_bool(lt::settings_pack::enable_lsd, discovery);
  pack.set_bool(lt::settings_pack::enable_upnp, discovery);
  pack.set_bool(lt::settings_pack::enable_natpmp, discovery);
  pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  pack.set_int(lt::settings_pack::stop_tracker_timeout, 1);
  // Between two asks (the manifest, then the chunks) a downloader wants
  // nothing, and the seeds would be let go as redundant.
  pack.set_bool(lt::settings_pack::close_redundant_connections, false);
  // A peer that dropped us is tried again after seconds, not a minute.
  pack.set_int(lt::settings_pack::min_reconnect_time, 2);
  pack.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  pack.set_bool(lt::settings_pack::enable_incoming_utp, false);
  // status has hash_failed_alert, peer has peer_ban_alert.
  lt::alert_category_t mask = lt::alert_category::error | lt::alert_category::status |
                              lt::alert_category::storage | lt::alert_category::file_progress |
                              lt::alert_category::peer;
  if (DebugAlerts()) mask = lt::alert_category::all;
  pack.set_int(lt::settings_pack::alert_mask, mask);
  return pack;
}

}  // namespace checkpoint::torrent
