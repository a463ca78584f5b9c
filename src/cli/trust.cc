#include "cli/trust.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "checkpoint/sign.h"
#include "cli/command.h"
#include "util/clock.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

namespace {

// A public key file: small, regular, never a FIFO to block on.
std::optional<std::string> ReadKeyFile(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size > static_cast<off_t>(kMaxSignatureFileBytes)) {
    *error = fd < 0 ? std::strerror(errno) : "not a small regular file";
    if (fd >= 0) ::close(fd);
    return std::nullopt;
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  const ssize_t got = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (got != st.st_size) {
    *error = "cannot read it";
    return std::nullopt;
  }
  return text;
}

// N[s|m|h|d] in seconds; a bare N is seconds.
std::optional<uint64_t> ParseDuration(const std::string& text) {
  static constexpr std::pair<char, uint64_t> kUnits[] = {
      {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
  std::string digits = text;
  uint64_t unit = 1;
  for (const auto& [suffix, seconds] : kUnits) {
    if (!text.empty() && text.back() == suffix) {
      digits.pop_back();
      unit = seconds;
    }
  }
  auto n = ParseU64(digits);
  if (!n || *n > UINT64_MAX / unit / 2) return std::nullopt;
  return *n * unit;
}

}  // namespace

void AddTrustOptions(po::options_description* d) {
  d->add_options()(
      "pubkey", po::value<std::vector<std::string>>()->composing(),
      "trust a manifest signed by this operator key (a minisign .pub file; repeatable)")(
      "threshold", po::value<std::string>(),
      "how many distinct --pubkey keys must have signed (default 1)")(
      "max-age", po::value<std::string>(),
      "with --pubkey: refuse signatures (and a store's signed index) older than DURATION "
      "(N[s|m|h|d])")("root", po::value<std::string>(), "trusted state root (hex, from consensus)")(
      "id", po::value<std::string>(), "trusted checkpoint id (hex SHA-256 of the manifest)")(
      "height", po::value<std::string>(),
      "expected height (a check, not an anchor); of a store: N or latest")(
      "max-chunk-size", po::value<std::string>(),
      "refuse a checkpoint whose chunk size is over SIZE (N[B|KiB|MiB|GiB]; default 256MiB): "
      "bounds memory "
      "to ~2 x SIZE per thread");
}

std::optional<int> ParseTrust(const po::variables_map& vm, Anchors* anchors) {
  for (const char* name : {"root", "id"}) {
    if (!vm.count(name)) continue;
    const std::string& hex = vm[name].as<std::string>();
    auto bytes = ParseHex(hex);
    if (!bytes || bytes->size() != 32) {
      return Fail(kExitUsage, std::string("--") + name + " takes 64 hex digits, not '" + hex + "'");
    }
    Hash h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    (std::string(name) == "root" ? anchors->root : anchors->id) = h;
  }
  if (vm.count("pubkey")) {
    for (const std::string& path : vm["pubkey"].as<std::vector<std::string>>()) {
      std::string error;
      auto text = ReadKeyFile(path, &error);
      if (!text) return Fail(kExitUsage, "--pubkey " + path + ": " + error);
      anchors->pubkeys.push_back(*text);
    }
  }
  if (vm.count("threshold")) {
    auto k = ParseU64(vm["threshold"].as<std::string>());
    if (!k || *k == 0 || *k > 1000) return Fail(kExitUsage, "--threshold takes a number from 1");
    if (anchors->pubkeys.empty()) return Fail(kExitUsage, "--threshold goes with --pubkey");
    anchors->threshold = static_cast<unsigned>(*k);
  }
  if (vm.count("max-age")) {
    auto age = ParseDuration(vm["max-age"].as<std::string>());
    if (!age || *age == 0)
      return Fail(kExitUsage, "--max-age takes N[s|m|h|d], e.g. 2h, not '" +
                                  vm["max-age"].as<std::string>() + "'");
    if (anchors->pubkeys.empty())
      return Fail(kExitUsage, "--max-age goes with --pubkey (the age is the signed time)");
    anchors->max_age_seconds = *age;
  }
  if (!anchors->pubkeys.empty()) {
    Status s = CheckAnchorKeys(*anchors);
    if (!s.ok()) return Fail(kExitUsage, s.message());
  }
  return std::nullopt;  // --height: ParseHeightPick
}

std::optional<int> ParseMaxChunkSize(const po::variables_map& vm, uint64_t* max_chunk_size) {
  if (!vm.count("max-chunk-size")) return std::nullopt;
  const std::string& arg = vm["max-chunk-size"].as<std::string>();
  auto size = ParseSize(arg);
  if (!size || *size < 1024) {
    return Fail(kExitUsage,
                "--max-chunk-size takes N[B|KiB|MiB|GiB] of at least 1KiB, not '" + arg + "'");
  }
  *max_chunk_size = *size;
  return std::nullopt;
}

namespace {

std::string SignedAt(const SignatureClaim& c) {
  return c.signed_time ? UtcTimestamp(std::chrono::system_clock::time_point(
                             std::chrono::seconds(*c.signed_time)))
                       : "(no time)";
}

}  // namespace

std::string DescribeSigners(const std::vector<SignatureClaim>& signatures) {
  std::string out;
  for (const SignatureClaim& c : signatures) {
    out += (out.empty() ? "" : ", ") + c.key_id + " " + SignedAt(c);
  }
  return out.empty() ? "unsigned" : out;
}

nlohmann::json SignersJson(const std::vector<SignatureClaim>& signatures) {
  nlohmann::json out = nlohmann::json::array();
  for (const SignatureClaim& c : signatures) {
    out.push_back({{"key_id", c.key_id},
                   {"signed_time", c.signed_time ? nlohmann::json(*c.signed_time) : nullptr},
                   {"signed_at", c.signed_time ? nlohmann::json(SignedAt(c)) : nullptr},
                   {"trusted_comment", c.trusted_comment}});
  }
  return out;
}

}  // namespace checkpoint::cli
