// The --pubkey trust decision against an oracle: for random configurations
// (keys, threshold, --max-age) and random sets of signature files (good,
// stale, untimed, foreign, of another message, tampered, duplicated, under a
// relabelled key id), CheckSignatures accepts exactly when `threshold`
// distinct configured keys made a fresh signature of exactly the manifest.
#include "ops/signatures.h"

#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>

#include "sign/minisign.h"

namespace checkpoint {
namespace {

struct Signer {
  PublicKey pub;
  SecretKey secret;
};

Signer NewSigner() {
  auto r = GenerateKey();
  REQUIRE(r.ok());
  return {r->first, std::move(r->second)};
}

std::string SignAt(const Signer& s, std::string_view message, std::optional<int64_t> when) {
  const std::string comment =
      when ? "checkpoint height:7 timestamp:" + std::to_string(*when) : "checkpoint height:7";
  auto sig = Sign(s.secret, message, comment);
  REQUIRE(sig.ok());
  return *sig;
}

TEST_CASE("signed times and ages read as people write them", "[unit][signatures]") {
  CHECK(SignedTime("checkpoint height:1 timestamp:1700000000 release") == 1700000000);
  CHECK(SignedTime("timestamp:5\tfile:manifest.json\thashed") == 5);  // minisign's default
  CHECK(SignedTime("a comment saying xtimestamp:9 timestamp:3") == 3);
  CHECK_FALSE(SignedTime("timestamp:").has_value());
  CHECK_FALSE(SignedTime("timestamp:-5").has_value());
  CHECK_FALSE(SignedTime("timestamp:99999999999999999999999").has_value());
  CHECK_FALSE(SignedTime("no time").has_value());
  CHECK_FALSE(SignedTime("timestamp:17abc").has_value());
  CHECK_FALSE(SignedTime("timestamp:17.5 x").has_value());
  CHECK(DescribeAge(86400) == "1d");
  CHECK(DescribeAge(90) == "1m 30s");
  CHECK(DescribeAge(3 * 86400 + 4 * 3600 + 5) == "3d 4h");
  CHECK(DescribeAge(7200) == "2h");
  CHECK(DescribeAge(0) == "0s");
  CHECK(DescribeAge(-60) == "in the future by 1m");
}

TEST_CASE("accepted exactly when enough distinct configured keys signed, fresh",
          "[unit][signatures]") {
  std::mt19937_64 rng(20261201);
  std::vector<Signer> signers;
  for (int i = 0; i < 5; ++i) signers.push_back(NewSigner());
  const std::string manifest = "{\"height\":7}\n", other = "{\"height\":8}\n";
  const int64_t now = UnixNow();
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 400; ++round) {
    // Configured: a random subset of the first four (the fifth is a stranger),
    // maybe one of them listed again under another id.
    Anchors anchors;
    std::vector<int> configured;
    for (int i = 0; i < 4; ++i) {
      if (rng() % 2) configured.push_back(i);
    }
    if (configured.empty()) configured.push_back(static_cast<int>(rng() % 4));
    for (int i : configured) anchors.pubkeys.push_back(EncodePublicKeyFile(signers[i].pub));
    if (rng() % 4 == 0) {
      PublicKey relabelled = signers[configured[0]].pub;
      relabelled.id[0] ^= 0x5a;
      anchors.pubkeys.push_back(EncodePublicKeyFile(relabelled));
    }
    anchors.threshold = 1 + static_cast<unsigned>(rng() % configured.size());
    if (rng() % 2) anchors.max_age_seconds = 3600;

    std::vector<std::string> files;
    std::set<int> truly_signed;  // the oracle: configured keys with a good, fresh signature
    const int count = static_cast<int>(rng() % 7);
    for (int k = 0; k < count; ++k) {
      const int who = static_cast<int>(rng() % 5);
      const bool is_configured =
          std::find(configured.begin(), configured.end(), who) != configured.end();
      switch (rng() % 6) {
        case 0: {  // good and recent
          files.push_back(SignAt(signers[who], manifest, now - 60));
          if (is_configured) truly_signed.insert(who);
          break;
        }
        case 1: {  // good but old: counts only without --max-age
          files.push_back(SignAt(signers[who], manifest, now - 86400));
          if (is_configured && !anchors.max_age_seconds) truly_signed.insert(who);
          break;
        }
        case 2: {  // no time stated: counts only without --max-age
          files.push_back(SignAt(signers[who], manifest, std::nullopt));
          if (is_configured && !anchors.max_age_seconds) truly_signed.insert(who);
          break;
        }
        case 3:  // another manifest
          files.push_back(SignAt(signers[who], other, now));
          break;
        case 4: {  // one byte of the signature or trusted comment changed
          std::string f = SignAt(signers[who], manifest, now);
          const size_t line_start = rng() % 2 ? f.find('\n') + 1 : f.rfind("timestamp:");
          f[line_start + 3] = f[line_start + 3] == 'A' ? 'B' : 'A';
          files.push_back(f);
          break;
        }
        default:  // a duplicate of a file already offered
          if (!files.empty()) files.push_back(files[rng() % files.size()]);
      }
    }
    std::shuffle(files.begin(), files.end(), rng);
    const bool want = truly_signed.size() >= anchors.threshold;
    Status got = CheckSignatures(manifest, files, anchors);
    INFO("round " << round << ": " << got.ToString());
    REQUIRE(got.ok() == want);
    if (!got.ok()) CHECK(got.IsUntrusted());
    (want ? accepted : rejected)++;
  }
  // Both outcomes were exercised.
  CHECK(accepted > 40);
  CHECK(rejected > 40);
}

TEST_CASE("an index signature: one configured key, fresh, of exactly these bytes",
          "[unit][signatures]") {
  Signer op = NewSigner(), stranger = NewSigner();
  Anchors anchors;
  anchors.pubkeys = {EncodePublicKeyFile(op.pub)};
  const std::string index = "{\"checkpoints\":[],\"format_version\":1}\n";
  const int64_t now = UnixNow();
  auto sign_index = [&](const Signer& s, int64_t when) {
    auto sig = Sign(s.secret, index, IndexSignatureComment(3, when));
    REQUIRE(sig.ok());
    return *sig;
  };
  Result<int64_t> t = CheckIndexSignature(index, sign_index(op, now - 10), anchors);
  REQUIRE(t.ok());
  CHECK(*t == now - 10);
  CHECK(CheckIndexSignature(index, sign_index(stranger, now), anchors).status().IsUntrusted());
  CHECK(CheckIndexSignature(index + " ", sign_index(op, now), anchors).status().IsUntrusted());
  CHECK(CheckIndexSignature(index, "garbage", anchors).status().IsUntrusted());
  anchors.max_age_seconds = 60;
  CHECK(CheckIndexSignature(index, sign_index(op, now - 10), anchors).ok());
  Status old = CheckIndexSignature(index, sign_index(op, now - 600), anchors).status();
  CHECK(old.IsUntrusted());
  CHECK(old.message().find("over --max-age 1m") != std::string::npos);
}

}  // namespace
}  // namespace checkpoint
