#include "ops/store_index.h"

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "ops/files.h"
#include "ops/layout.h"

namespace checkpoint {

constexpr uint64_t kIndexFormatVersion = 1;

std::string IndexEntry::name() const {
  return std::to_string(height) + "-" + id.substr(0, kNameIdChars);
}

std::string EncodeStoreIndex(const StoreListing& listing) {
  nlohmann::json list = nlohmann::json::array();
  for (const StoredCheckpoint& c : listing.checkpoints) {
    list.push_back({{"height", c.manifest.height},
                    {"id", ToHex(c.id)},
                    {"root", ToHex(c.manifest.root)},
                    {"chunks", c.manifest.chunks.size()},
                    {"bytes", c.bytes},
                    {"created", c.created},
                    {"pinned", c.pinned},
                    {"base", nullptr}});
  }
  // nlohmann's objects keep their keys sorted, and dump() writes no spaces:
  // one spelling for one content.
  nlohmann::json j = {{"format_version", kIndexFormatVersion}, {"checkpoints", list}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Status WriteStoreIndex(const std::string& store, const StoreLock& lock) {
  CHECKPOINT_RETURN_IF_ERROR(lock.Guards(store));
  CHECKPOINT_ASSIGN_OR_RETURN(StoreListing listing, ListStore(store));
  return ReplaceFileAtomically(store + "/" + kIndexFile, EncodeStoreIndex(listing));
}

namespace {

// The index nests three deep; a parser's DOM of deep nesting costs ~40x its
// bytes (16 MiB of '[' took 600 MB), so deeper documents are refused first.
bool NestsDeeperThan(std::string_view bytes, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<std::vector<IndexEntry>> ParseStoreIndex(std::string_view bytes) {
  if (bytes.size() > kMaxIndexBytes) return Status::Corruption("index.json is too large");
  if (NestsDeeperThan(bytes, kMaxIndexDepth)) {
    return Status::Corruption("index.json: nested more than " + std::to_string(kMaxIndexDepth) +
                              " deep");
  }
  const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  auto bad = [](const std::string& why) { return Status::Corruption("index.json: " + why); };
  if (!j.is_object() || !j.contains("checkpoints") || !j["checkpoints"].is_array())
    return bad("not an object with a checkpoints array");
  if (!j.contains("format_version") || j["format_version"] != kIndexFormatVersion)
    return bad("not format_version 1");
  auto is_hash = [](const nlohmann::json& v) {
    return v.is_string() && v.get<std::string>().size() == 64 &&
           ParseHex(v.get<std::string>()).has_value();
  };
  std::vector<IndexEntry> out;
  for (const nlohmann::json& c : j["checkpoints"]) {
    if (!c.is_object() || !c.contains("height") || !c["height"].is_number_unsigned() ||
        !c.contains("id") || !is_hash(c["id"]) || !c.contains("root") || !is_hash(c["root"])) {
      return bad("an entry without height, id and root");
    }
    IndexEntry e;
    e.height = c["height"].get<uint64_t>();
    e.id = c["id"].get<std::string>();
    e.root = c["root"].get<std::string>();
    for (char& ch : e.id) ch = static_cast<char>(std::tolower(ch));
    for (char& ch : e.root) ch = static_cast<char>(std::tolower(ch));
    if (c.contains("chunks") && c["chunks"].is_number_unsigned()) e.chunks = c["chunks"];
    if (c.contains("bytes") && c["bytes"].is_number_unsigned()) e.bytes = c["bytes"];
    if (c.contains("created") && c["created"].is_string()) e.created = c["created"];
    if (c.contains("pinned") && c["pinned"].is_boolean()) e.pinned = c["pinned"];
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace checkpoint
