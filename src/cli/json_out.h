// JSON on stdout that is always valid JSON: paths, store names and pin
// reasons are bytes, not necessarily UTF-8, and nlohmann's default dump
// throws on invalid UTF-8. Invalid sequences become U+FFFD instead.
#pragma once

#include <iostream>
#include <nlohmann/json.hpp>

namespace checkpoint::cli {

inline std::string DumpJson(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One JSON object and a newline on stdout.
inline void PrintJson(const nlohmann::json& j) { std::cout << DumpJson(j) << "\n"; }

}  // namespace checkpoint::cli
