#!/usr/bin/env bash
# Installs everything checkpoint needs to build and test on Debian 12. Idempotent.
set -euo pipefail
packages=(
  build-essential g++ meson ninja-build pkg-config git
  librocksdb-dev libboost-program-options-dev libboost-dev
  libzstd-dev zstd libssl-dev libcurl4-openssl-dev
  libsodium-dev minisign  # minisign key checksums (BLAKE2b-256); interop tests run stock minisign
  catch2 nlohmann-json3-dev libfmt-dev time
  clang clang-14 libclang-rt-14-dev clang-format
  nginx python3 curl  # tests/net: a real mirror (nginx), a hostile one (python3), probes
  libtorrent-rasterbar-dev  # the BitTorrent engine: swarm sources
  transmission-cli qbittorrent-nox opentracker  # tests/torrent: stock clients, a real tracker
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
