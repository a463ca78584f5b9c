// The libtorrent settings every session of ours starts from.
#pragma once

#include <libtorrent/settings_pack.hpp>
#include <string>

namespace checkpoint::torrent {

// Listening on `listen` (libtorrent's listen_interfaces), TCP only, DHT,
// LSD, UPnP and NAT-PMP only with `discovery`, several peers an address
// allowed (a NAT, or a test on loopback), and the alerts our code reads
// (more, printed, when CHECKPOINT_TORRENT_DEBUG is set).
lt::settings_pack SessionSettings(const std::string& listen, bool discovery);
// Whether CHECKPOINT_TORRENT_DEBUG asks for every alert on stderr.
bool DebugAlerts();

}  // namespace checkpoint::torrent
