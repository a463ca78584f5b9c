#include "ops/signatures.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "checkpoint/checkpoint.h"
#include "checkpoint/manifest.h"
#include "ops/files.h"
#include "ops/layout.h"

namespace checkpoint {
namespace fs = std::filesystem;
namespace {

// A secret key file is at most a few hundred bytes.
constexpr uint64_t kMaxKeyFileBytes = 4096;

Result<std::vector<PublicKey>> ParseKeys(const Anchors& anchors) {
  std::vector<PublicKey> keys;
  for (const std::string& text : anchors.pubkeys) {
    Result<PublicKey> key =
        text.find('\n') == std::string::npos ? ParsePublicKey(text) : ParsePublicKeyFile(text);
    if (!key.ok()) return Status::InvalidArgument("--pubkey: " + key.status().message());
    // One key listed twice is one signer, whatever id its files claim: the
    // id is not signed, so keys are told apart by their bytes.
    if (std::none_of(keys.begin(), keys.end(),
                     [&](const PublicKey& k) { return k.key == key->key; })) {
      keys.push_back(*key);
    }
  }
  if (anchors.threshold == 0 || anchors.threshold > keys.size()) {
    return Status::InvalidArgument("--threshold " + std::to_string(anchors.threshold) + " with " +
                                   std::to_string(keys.size()) + " distinct keys");
  }
  return keys;
}

// OK when `sig`, verified, is fresh enough for the anchors; else why not.
Status CheckFresh(const Signature& sig, const Anchors& anchors) {
  if (!anchors.max_age_seconds) return Status::OK();
  const std::optional<int64_t> when = SignedTime(sig.trusted_comment);
  if (!when) {
    return Status::Untrusted("signature by key " + KeyIdHex(sig.key_id) +
                             " states no time (no timestamp: in its trusted comment)");
  }
  const int64_t age = UnixNow() - *when;
  if (age > static_cast<int64_t>(*anchors.max_age_seconds)) {
    return Status::Untrusted("signature by key " + KeyIdHex(sig.key_id) + " is " +
                             DescribeAge(age) + " old, over --max-age " +
                             DescribeAge(static_cast<int64_t>(*anchors.max_age_seconds)));
  }
  return Status::OK();
}

}  // namespace

Status CheckAnchorKeys(const Anchors& anchors) { return ParseKeys(anchors).status(); }

Result<std::vector<std::string>> ConfiguredKeyIds(const Anchors& anchors) {
  CHECKPOINT_ASSIGN_OR_RETURN(std::vector<PublicKey> keys, ParseKeys(anchors));
  std::vector<std::string> ids;
  for (const PublicKey& k : keys) ids.push_back(KeyIdHex(k.id));
  return ids;
}

std::map<std::string, std::string> ValidSignatures(std::string_view manifest,
                                                   const std::vector<std::string>& signatures,
                                                   const Anchors& anchors,
                                                   std::string* last_failure) {
  std::map<std::string, std::string> out;
  Result<std::vector<PublicKey>> keys = ParseKeys(anchors);
  if (!keys.ok()) return out;
  for (const std::string& sig : signatures) {
    Result<Signature> ok = VerifySignature(*keys, manifest, sig);
    Status fresh = ok.ok() ? CheckFresh(*ok, anchors) : ok.status();
    if (fresh.ok()) {
      out.emplace(KeyIdHex(ok->key_id), sig);
    } else if (last_failure) {
      *last_failure = fresh.message();
    }
  }
  return out;
}

Status CheckSignatures(std::string_view manifest, const std::vector<std::string>& signatures,
                       const Anchors& anchors) {
  CHECKPOINT_ASSIGN_OR_RETURN(std::vector<PublicKey> keys, ParseKeys(anchors));
  std::string last_failure;
  const size_t signers = ValidSignatures(manifest, signatures, anchors, &last_failure).size();
  if (signers >= anchors.threshold) return Status::OK();
  return Status::Untrusted(
      "manifest signed by " + std::to_string(signers) + " of the " + std::to_string(keys.size()) +
      " configured keys" + (anchors.max_age_seconds ? " within --max-age" : "") + ", " +
      std::to_string(anchors.threshold) + " needed" +
      (last_failure.empty() ? "" : " (a signature failed: " + last_failure + ")"));
}

std::optional<int64_t> SignedTime(std::string_view comment) {
  constexpr std::string_view kTag = "timestamp:";
  for (size_t at = comment.find(kTag); at != std::string_view::npos;
       at = comment.find(kTag, at + 1)) {
    if (at > 0 && comment[at - 1] != ' ' && comment[at - 1] != '\t') continue;
    std::string_view rest = comment.substr(at + kTag.size());
    const size_t end = rest.find_first_of(" \t");
    std::string_view digits = rest.substr(0, end);  // the whole token, digits only
    std::optional<uint64_t> t = ParseDigits(digits);
    if (!t || *t > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(*t);
  }
  return std::nullopt;
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DescribeAge(int64_t s) {
  if (s < 0) return "in the future by " + DescribeAge(-s);
  static constexpr std::pair<int64_t, char> kUnits[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
  // The two largest units that are not zero: "3d 4h", "2h", "90s".
  std::string out;
  int shown = 0;
  for (const auto& [seconds, name] : kUnits) {
    if (shown == 2 || (s < seconds && shown == 0)) continue;
    if (s / seconds > 0) out += (out.empty() ? "" : " ") + std::to_string(s / seconds) + name;
    s %= seconds;
    ++shown;
  }
  if (shown < 2 && (s > 0 || out.empty()))
    out += (out.empty() ? "" : " ") + std::to_string(s) + "s";
  return out;
}

Result<SecretKey> LoadSecretKey(const std::string& key_file) {
  int raw = -1;
  CHECKPOINT_RETURN_IF_ERROR(OpenRegularFile(key_file, O_RDONLY | O_NONBLOCK, &raw));
  struct stat st;
  const bool shared = ::fstat(raw, &st) != 0 || (st.st_mode & 077) != 0;
  ::close(raw);
  if (shared) {
    return Status::InvalidArgument(key_file +
                                   " may be read by others: a secret key must be mode 0600");
  }
  std::string key_text;
  CHECKPOINT_RETURN_IF_ERROR(ReadFileBounded(key_file, kMaxKeyFileBytes, &key_text));
  Result<SecretKey> key = ParseSecretKeyFile(key_text);
  key_text.assign(key_text.size(), '\0');  // the only other copy of the secret
  if (!key.ok()) return key.status().WithContext(key_file);
  return key;
}

Result<SignResult> WriteCheckpointSignature(const std::string& ckpt, const SecretKey& key,
                                            std::string_view manifest, const std::string& comment) {
  if (comment.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("a signature comment is one line");
  }
  Manifest m;
  CHECKPOINT_RETURN_IF_ERROR(ParseManifest(manifest, &m));
  SignResult r;
  r.key_id = KeyIdHex(key.id);
  r.trusted_comment = "checkpoint height:" + std::to_string(m.height) + " root:" + ToHex(m.root) +
                      " id:" + ToHex(ManifestId(manifest)) +
                      " timestamp:" + std::to_string(UnixNow()) +
                      (comment.empty() ? "" : " " + comment);
  CHECKPOINT_ASSIGN_OR_RETURN(std::string sig,
                              Sign(key, manifest, r.trusted_comment, "checkpoint signature"));
  const std::string dir = ckpt + "/" + kSignatureDir;
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    CHECKPOINT_RETURN_IF_ERROR(MakeNewDir(dir));
  } else if (!S_ISDIR(st.st_mode)) {
    return Status::IOError(dir + " is not a directory (a link is not followed)");
  }
  r.path = dir + "/" + r.key_id + ".minisig";
  CHECKPOINT_RETURN_IF_ERROR(ReplaceFileAtomically(r.path, sig));
  // A torrent covers the signature files as they were: it no longer matches.
  const std::string torrent = ckpt + "/" + kTorrentFile;
  if (::unlink(torrent.c_str()) == 0) {
    r.unpublished = true;
  } else if (errno != ENOENT) {
    return Status::IOError("cannot remove " + torrent + ": " + std::strerror(errno));
  }
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(ckpt));
  return r;
}

std::string IndexSignatureComment(uint64_t latest_height, int64_t now) {
  return "checkpoint-index latest:" + std::to_string(latest_height) +
         " timestamp:" + std::to_string(now);
}

Result<int64_t> CheckIndexSignature(std::string_view index, std::string_view minisig,
                                    const Anchors& anchors) {
  CHECKPOINT_ASSIGN_OR_RETURN(std::vector<PublicKey> keys, ParseKeys(anchors));
  Result<Signature> sig = VerifySignature(keys, index, minisig);
  if (!sig.ok()) return Status::Untrusted("index.json.minisig: " + sig.status().message());
  const std::optional<int64_t> when = SignedTime(sig->trusted_comment);
  if (!when) return Status::Untrusted("index.json.minisig states no time");
  Status fresh = CheckFresh(*sig, anchors);
  if (!fresh.ok()) return Status::Untrusted("index.json: " + fresh.message());
  return *when;
}

Result<SignatureClaim> DescribeSignature(std::string_view minisig) {
  CHECKPOINT_ASSIGN_OR_RETURN(Signature sig, ParseSignatureFile(minisig));
  return SignatureClaim{KeyIdHex(sig.key_id), SignedTime(sig.trusted_comment), sig.trusted_comment};
}

std::vector<SignatureClaim> ReadSignatureClaims(const std::string& dir) {
  std::vector<SignatureClaim> out;
  std::error_code ec;
  const std::string sig_dir = dir + "/" + kSignatureDir;
  if (fs::is_symlink(sig_dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(sig_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 16 + 8 || name.substr(16) != ".minisig") continue;
    std::string text;
    if (!ReadFileBounded(entry.path().string(), kMaxSignatureFileBytes, &text).ok()) continue;
    Result<SignatureClaim> claim = DescribeSignature(text);
    // Only the file a key's id names is ever read for that key.
    if (claim.ok() && claim->key_id + ".minisig" == name) out.push_back(std::move(*claim));
  }
  std::sort(out.begin(), out.end(),
            [](const SignatureClaim& a, const SignatureClaim& b) { return a.key_id < b.key_id; });
  return out;
}

}  // namespace checkpoint
