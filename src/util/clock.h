// Wall-clock timestamps for what people read (info.json, pins): RFC 3339 in
// UTC, second precision. gmtime_r, not gmtime: the library runs on many threads.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace checkpoint {

inline std::string UtcTimestamp(
    std::chrono::system_clock::time_point t = std::chrono::system_clock::now()) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm parts{};
  gmtime_r(&secs, &parts);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buf;
}

}  // namespace checkpoint
