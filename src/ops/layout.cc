#include "ops/layout.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "checkpoint/sign.h"
#include "chunk/format.h"
#include "ops/files.h"

namespace checkpoint {

// Declared in the public headers: what an embedder reads a checkpoint by.
const char* const kManifestFile = "manifest.json";
const char* const kInfoFile = "info.json";
const char* const kChunkDir = "chunks";
const char* const kPinFile = "pinned";
const char* const kLockFile = ".lock";

namespace {

constexpr std::string_view kChunkSuffix = ".chunk";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool AllOf(std::string_view s, std::string_view chars) {
  return !s.empty() && s.find_first_not_of(chars) == std::string_view::npos;
}

std::string RandomSuffix() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%08x%08x", rd(), rd());
  return buf;
}

}  // namespace

std::string ChunkFileName(uint64_t index) {
  char name[40];
  std::snprintf(name, sizeof(name), "%s/%0*llu%s", kChunkDir, kChunkNameDigits,
                static_cast<unsigned long long>(index), kChunkSuffix.data());
  return name;
}

std::optional<uint64_t> ParseChunkFileName(std::string_view relative_path) {
  const std::string_view dir = kChunkDir;
  if (!StartsWith(relative_path, dir) || relative_path.substr(dir.size(), 1) != "/") {
    return std::nullopt;
  }
  std::string_view file = relative_path.substr(dir.size() + 1);
  if (file.size() <= kChunkSuffix.size() ||
      file.substr(file.size() - kChunkSuffix.size()) != kChunkSuffix) {
    return std::nullopt;
  }
  std::optional<uint64_t> index = ParseDigits(file.substr(0, file.size() - kChunkSuffix.size()));
  // Only the one spelling ChunkFileName makes (zero-padded to the width).
  if (!index || ChunkFileName(*index) != relative_path) return std::nullopt;
  return index;
}

bool IsCheckpointEntry(std::string_view name) {
  // The pin marker comes with pinning, signatures with signing; the rest
  // with the checkpoint.
  for (const char* known :
       {kManifestFile, kInfoFile, kChunkDir, kPinFile, kSignatureDir, kTorrentFile}) {
    if (name == known) return true;
  }
  return false;
}

std::optional<uint64_t> ParseDigits(std::string_view s) {
  if (!AllOf(s, "0123456789")) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::string CheckpointName(uint64_t height, const Hash& id) {
  return std::to_string(height) + "-" + ToHex(id).substr(0, kNameIdChars);
}

bool ParseCheckpointName(std::string_view name, uint64_t* height, std::string* id12) {
  const size_t dash = name.find('-');
  if (dash == std::string_view::npos) return false;
  // The height as std::to_string spells it: no leading zero but "0".
  std::string_view digits = name.substr(0, dash);
  std::optional<uint64_t> h = ParseDigits(digits);
  std::string_view id = name.substr(dash + 1);
  if (!h || (digits.size() > 1 && digits[0] == '0') || id.size() != kNameIdChars ||
      !AllOf(id, "0123456789abcdef"))
    return false;
  *height = *h;
  *id12 = std::string(id);
  return true;
}

std::string StagingName(uint64_t height) {
  return kStagingPrefix + std::to_string(height) + "-" + std::to_string(::getpid()) + "-" +
         RandomSuffix();
}

std::string TrashName(const std::string& name) {
  return kTrashPrefix + name + "-" + std::to_string(::getpid());
}

std::string PartialName(const Hash& id) { return kPartialPrefix + ToHex(id); }

const char* LeftoverKind(std::string_view name) {
  if (StartsWith(name, kStagingPrefix)) return "staging";
  if (StartsWith(name, kTrashPrefix)) return "trash";
  if (StartsWith(name, kPartialPrefix)) return "partial";
  if (StartsWith(name, kSwarmPrefix)) return "swarm";
  return nullptr;
}

bool IsCrashLeftover(std::string_view name) {
  return StartsWith(name, kStagingPrefix) || StartsWith(name, kTrashPrefix);
}

Result<StoredCheckpoint> ReadCompleteCheckpoint(const std::string& path, bool staging) {
  namespace fs = std::filesystem;
  StoredCheckpoint c;
  fs::path normal = fs::absolute(path).lexically_normal();
  if (!normal.has_filename()) normal = normal.parent_path();  // "CKPT/"
  c.path = normal.string();
  c.name = normal.filename().string();
  std::string bytes;
  CHECKPOINT_RETURN_IF_ERROR(ReadManifestFile(path, &bytes));
  CHECKPOINT_RETURN_IF_ERROR(ParseManifest(bytes, &c.manifest));
  c.id = ManifestId(bytes);
  if (!staging && c.name != CheckpointName(c.manifest.height, c.id)) {
    return Status::Corruption(path + ": the name is not the manifest's height and id");
  }
  for (size_t i = 0; i < c.manifest.chunks.size(); ++i) {
    const std::string file = path + "/" + ChunkFileName(i);
    struct stat st;
    if (::lstat(file.c_str(), &st) != 0) return Status::NotFound("no chunk file " + file);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    // Catches emptied and truncated-to-nothing chunks without opening them.
    if (!S_ISREG(st.st_mode) || size <= kChunkFileHeaderBytes ||
        size > ZSTD_compressBound(c.manifest.chunks[i].raw_size) + kChunkFileHeaderBytes) {
      return Status::Corruption(file + " is not a chunk file of a plausible size");
    }
    c.bytes += size;
  }
  return c;
}

}  // namespace checkpoint
