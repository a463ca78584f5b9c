#include "ops/signatures.h"

#include <algorithm>
#include <map>

#include "checkpoint/sign.h"
#include "sign/minisign.h"

namespace checkpoint {
namespace {

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
    if (ok.ok()) {
      out.emplace(KeyIdHex(ok->key_id), sig);
    } else if (last_failure) {
      *last_failure = ok.status().message();
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
  return Status::InvalidArgument(
      "manifest signed by " + std::to_string(signers) + " of the " + std::to_string(keys.size()) +
      " configured keys, " + std::to_string(anchors.threshold) + " needed" +
      (last_failure.empty() ? "" : " (a signature failed: " + last_failure + ")"));
}

}  // namespace checkpoint
