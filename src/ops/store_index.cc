#include "ops/store_index.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/signatures.h"

namespace checkpoint {

constexpr uint64_t kIndexFormatVersion = 1;

std::string IndexEntry::name() const {
  return std::to_string(height) + "-" + id.substr(0, kNameIdChars);
}

namespace {

// The magnet link of CKPT/checkpoint.torrent, or null.
nlohmann::json MagnetOf(const std::string& ckpt) {
  std::string bytes;
  if (!ReadFileBounded(ckpt + "/" + kTorrentFile, kMaxTorrentFileBytes, &bytes).ok())
    return nullptr;
  lt::error_code ec;
  const lt::torrent_info info(
      lt::span<char const>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), ec,
      lt::from_span);
  if (ec) return nullptr;
  return lt::make_magnet_uri(info);
}

}  // namespace

std::string EncodeStoreIndex(const StoreListing& listing) {
  nlohmann::json list = nlohmann::json::array();
  for (const StoredCheckpoint& c : listing.checkpoints) {
    const std::optional<ManifestBase>& base = c.manifest.base;
    list.push_back({{"height", c.manifest.height},
                    {"magnet", MagnetOf(c.path)},
                    {"id", ToHex(c.id)},
                    {"root", ToHex(c.manifest.root)},
                    {"chunks", c.manifest.chunks.size()},
                    {"bytes", c.bytes},
                    {"created", c.created},
                    {"pinned", c.pinned},
                    {"base", base ? nlohmann::json(base->height) : nlohmann::json(nullptr)}});
    if (base) list.back()["base_root"] = ToHex(base->root);
  }
  // nlohmann's objects keep their keys sorted, and dump() writes no spaces:
  // one spelling for one content.
  nlohmann::json j = {{"format_version", kIndexFormatVersion}, {"checkpoints", list}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Status WriteStoreIndex(const std::string& store, const StoreLock& lock, const SecretKey* key) {
  CHECKPOINT_RETURN_IF_ERROR(lock.Guards(store));
  CHECKPOINT_ASSIGN_OR_RETURN(StoreListing listing, ListStore(store));
  const std::string index = EncodeStoreIndex(listing);
  const std::string index_path = store + "/" + kIndexFile;
  const std::string sig_path = store + "/" + kIndexSignatureFile;
  std::string old;
  if (!ReadFileBounded(index_path, kMaxIndexBytes, &old).ok() || old != index) {
    // A signature of other bytes would only fail every check: it goes first,
    // so that no moment shows the new index beside a signature of the old.
    // unlink(2) never follows a link: one planted there just goes.
    if (::unlink(sig_path.c_str()) != 0 && errno != ENOENT) {
      return Status::IOError("cannot remove " + sig_path + ": " + std::strerror(errno));
    }
    CHECKPOINT_RETURN_IF_ERROR(ReplaceFileAtomically(index_path, index));
  }
  if (!key) return Status::OK();
  const uint64_t latest =
      listing.checkpoints.empty() ? 0 : listing.checkpoints.back().manifest.height;
  CHECKPOINT_ASSIGN_OR_RETURN(
      std::string sig,
      Sign(*key, index, IndexSignatureComment(latest, UnixNow()), "checkpoint store index"));
  return ReplaceFileAtomically(sig_path, sig);
}

namespace {

// Deeper than anything an index holds (kMaxIndexDepth) is refused before
// parsing, as nesting costs the parser memory per level whatever is kept.
bool TooDeep(std::string_view bytes) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char ch : bytes) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (ch == '\\')
        escaped = true;
      else if (ch == '"')
        in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > kMaxIndexDepth) return true;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return false;
}

// A timestamp as written; anything else (control characters that would
// reach a terminal through `list`) is dropped.
bool PrintableAscii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

Result<std::vector<IndexEntry>> ParseStoreIndex(std::string_view bytes) {
  if (bytes.size() > kMaxIndexBytes) return Status::Corruption("index.json is too large");
  auto bad = [](const std::string& why) { return Status::Corruption("index.json: " + why); };
  if (TooDeep(bytes)) return bad("nested deeper than " + std::to_string(kMaxIndexDepth));
  auto is_hash = [](const nlohmann::json& v) {
    return v.is_string() && v.get<std::string>().size() == 64 &&
           ParseHex(v.get<std::string>()).has_value();
  };
  // Each entry becomes an IndexEntry as soon as it is parsed and the DOM
  // drops it, and whatever the index does not define is never kept: memory
  // follows the entries, not the parser's ~40 bytes a value.
  using Event = nlohmann::json::parse_event_t;
  std::vector<IndexEntry> out;
  bool bad_entry = false;
  // The top-level key being parsed: the parser still calls back for what
  // lies inside a discarded value, which must not pass for entries.
  std::string top_key;
  auto keep = [&](int depth, Event event, nlohmann::json& parsed) {
    if (event == Event::key) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (depth == 1) top_key = k;
      if (depth == 1) return k == "format_version" || k == "checkpoints";
      if (depth == 3)
        return k == "height" || k == "id" || k == "root" || k == "chunks" || k == "bytes" ||
               k == "created" || k == "pinned" || k == "magnet" || k == "base" || k == "base_root";
      return false;
    }
    if (depth == 0) return event != Event::array_start;  // only an object is an index
    if (depth == 1) return true;                         // format_version, checkpoints
    if (top_key != "checkpoints") return false;          // inside a field not ours
    if (depth >= 3) return event == Event::value;        // an entry's scalars
    if (event == Event::object_start) return true;       // an entry…
    if (event != Event::object_end) {                    // …and nothing else
      bad_entry = true;
      return false;
    }
    const nlohmann::json& c = parsed;
    if (bad_entry || !c.contains("height") || !c["height"].is_number_unsigned() ||
        !c.contains("id") || !is_hash(c["id"]) || !c.contains("root") || !is_hash(c["root"])) {
      bad_entry = true;
      return false;
    }
    IndexEntry e;
    e.height = c["height"].get<uint64_t>();
    e.id = c["id"].get<std::string>();
    e.root = c["root"].get<std::string>();
    for (char& ch : e.id) ch = static_cast<char>(std::tolower(ch));
    for (char& ch : e.root) ch = static_cast<char>(std::tolower(ch));
    if (c.contains("chunks") && c["chunks"].is_number_unsigned()) e.chunks = c["chunks"];
    if (c.contains("bytes") && c["bytes"].is_number_unsigned()) e.bytes = c["bytes"];
    if (c.contains("created") && c["created"].is_string() &&
        PrintableAscii(c["created"].get_ref<const std::string&>()))
      e.created = c["created"];
    if (c.contains("pinned") && c["pinned"].is_boolean()) e.pinned = c["pinned"];
    if (c.contains("magnet") && c["magnet"].is_string() &&
        c["magnet"].get_ref<const std::string&>().rfind("magnet:?", 0) == 0 &&
        PrintableAscii(c["magnet"].get_ref<const std::string&>()))
      e.magnet = c["magnet"];
    if (c.contains("base") && c["base"].is_number_unsigned() && c.contains("base_root") &&
        is_hash(c["base_root"])) {
      e.base_height = c["base"].get<uint64_t>();
      e.base_root = c["base_root"].get<std::string>();
      for (char& ch : e.base_root) ch = static_cast<char>(std::tolower(ch));
    }
    out.push_back(std::move(e));
    return false;
  };
  const nlohmann::json j = nlohmann::json::parse(bytes, keep, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("checkpoints") || !j["checkpoints"].is_array())
    return bad("not an object with a checkpoints array");
  if (!j.contains("format_version") || j["format_version"] != kIndexFormatVersion)
    return bad("not format_version 1");
  if (bad_entry) return bad("an entry without height, id and root");
  return out;
}

}  // namespace checkpoint
