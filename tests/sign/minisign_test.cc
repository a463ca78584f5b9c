// minisign formats: round trips, tampering, strict parsing, random mutations.
// Interoperability with the real minisign binary is in minisign_interop_test.cc.
#include "sign/minisign.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace checkpoint {
namespace {

std::pair<PublicKey, SecretKey> NewKey() {
  auto r = GenerateKey();
  REQUIRE(r.ok());
  return std::move(r).value();
}

// Line i (0-based) of a file, and the file with line i replaced.
std::string Line(const std::string& file, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = file.find('\n', start) + 1;
  return file.substr(start, file.find('\n', start) - start);
}
std::string WithLine(const std::string& file, int i, const std::string& line) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = file.find('\n', start) + 1;
  return file.substr(0, start) + line + file.substr(file.find('\n', start));
}
// Another base64 letter at position pos: other bytes, same (valid) length.
std::string Retype(std::string s, size_t pos) {
  s[pos] = s[pos] == 'A' ? 'B' : 'A';
  return s;
}

TEST_CASE("sign and verify round trip through the file formats", "[unit][minisign]") {
  auto [pk, sk] = NewKey();
  auto pk2 = ParsePublicKeyFile(EncodePublicKeyFile(pk));
  REQUIRE(pk2.ok());
  CHECK(*pk2 == pk);
  auto sk2 = ParseSecretKeyFile(EncodeSecretKeyFile(sk, "a comment"));
  REQUIRE(sk2.ok());
  CHECK(sk2->Public() == pk);
  CHECK(sk2->seed == sk.seed);
  CHECK(ParsePublicKey(Line(EncodePublicKeyFile(pk), 1)).value() == pk);

  auto sig = Sign(*sk2, "checkpoint manifest", "height:7\tdigest:ab", "untrusted");
  REQUIRE(sig.ok());
  auto v = VerifySignature({pk}, "checkpoint manifest", *sig);
  REQUIRE(v.ok());
  CHECK(v->key_id == pk.id);
  CHECK(v->trusted_comment == "height:7\tdigest:ab");
  // The untrusted comment is not covered, and CRLF line ends are read as minisign reads them.
  CHECK(
      VerifySignature({pk}, "checkpoint manifest", WithLine(*sig, 0, "untrusted comment: x")).ok());
  std::string crlf;
  for (char c : *sig) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  CHECK(VerifySignature({pk}, "checkpoint manifest", crlf).ok());
  CHECK(Sign(sk, "", "").ok());
  CHECK(VerifySignature({pk}, "", Sign(sk, "", "").value()).ok());
}

TEST_CASE("key ids print as minisign prints them", "[unit][minisign]") {
  CHECK(KeyIdHex({0x15, 0x4F, 0x93, 0xAF, 0xAA, 0x36, 0xF9, 0xEE}) == "EEF936AAAF934F15");
  auto [pk, sk] = NewKey();
  CHECK(Line(EncodePublicKeyFile(pk), 0) ==
        "untrusted comment: minisign public key " + KeyIdHex(pk.id));
}

TEST_CASE("a wrong or missing key is told apart from a malformed file", "[unit][minisign]") {
  auto [pk, sk] = NewKey();
  auto [other, other_sk] = NewKey();
  std::string sig = Sign(sk, "m", "t").value();
  auto r = VerifySignature({other}, "m", sig);
  CHECK(r.status().IsNotFound());
  CHECK(VerifySignature({}, "m", sig).status().IsNotFound());
  PublicKey same_id = other;
  same_id.id = pk.id;  // an impostor key with the signer's id
  CHECK(VerifySignature({same_id}, "m", sig).status().IsInvalidArgument());
  CHECK(VerifySignature({same_id, other, pk}, "m", sig).ok());
}

TEST_CASE("a changed message, signature or trusted comment is rejected", "[unit][minisign]") {
  auto [pk, sk] = NewKey();
  std::string msg = "manifest bytes";
  std::string sig = Sign(sk, msg, "trusted").value();
  REQUIRE(VerifySignature({pk}, msg, sig).ok());
  CHECK(VerifySignature({pk}, "manifest byteS", sig).status().IsInvalidArgument());
  CHECK(VerifySignature({pk}, msg + "x", sig).status().IsInvalidArgument());
  CHECK(VerifySignature({pk}, msg, WithLine(sig, 2, "trusted comment: trustee"))
            .status()
            .IsInvalidArgument());
  CHECK(VerifySignature({pk}, msg, WithLine(sig, 2, "trusted comment: trusted "))
            .status()
            .IsInvalidArgument());
  // Every letter of the 64 signature bytes and of the global signature.
  for (size_t pos = 16; pos < 96; ++pos) {
    CHECK(VerifySignature({pk}, msg, WithLine(sig, 1, Retype(Line(sig, 1), pos)))
              .status()
              .IsInvalidArgument());
  }
  for (size_t pos = 0; pos < 84; ++pos) {
    CHECK(VerifySignature({pk}, msg, WithLine(sig, 3, Retype(Line(sig, 3), pos)))
              .status()
              .IsInvalidArgument());
  }
}

TEST_CASE("parsing is strict", "[unit][minisign]") {
  auto [pk_bound, sk] = NewKey();
  const PublicKey pk = pk_bound;  // clang 14 cannot capture a structured binding
  std::string sig = Sign(sk, "m", "t").value();
  auto corrupt = [&](const std::string& s) {
    return VerifySignature({pk}, "m", s).status().IsCorruption();
  };
  CHECK(corrupt(""));
  CHECK(corrupt(sig + "\n"));
  CHECK(corrupt(sig + "extra\n"));
  CHECK(corrupt(sig.substr(0, sig.size() - 3)));
  CHECK(corrupt(WithLine(sig, 0, "comment: x")));
  CHECK(corrupt(WithLine(sig, 0, "untrusted comment: " + std::string(1001, 'x'))));
  CHECK(corrupt(WithLine(sig, 2,
                         "trusted comment: a\x01"
                         "b")));
  CHECK(corrupt(WithLine(sig, 2, "trusted comment: " + std::string(2049, 'x'))));
  CHECK(corrupt(WithLine(sig, 2, "Trusted comment: t")));
  CHECK(corrupt(WithLine(sig, 1, Line(sig, 1) + "=")));
  CHECK(corrupt(WithLine(sig, 1, " " + Line(sig, 1))));
  // 74 bytes end in one "=" after a letter holding 2 unused bits: they must be zero.
  std::string l1 = Line(sig, 1);
  REQUIRE(l1.size() == 100);
  const std::string kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  l1[98] = kB64[kB64.find(l1[98]) ^ 1];
  CHECK(corrupt(WithLine(sig, 1, l1)));
  // A letter with its top bit set (libsodium 1.0.18 alone decodes 0xAF as '/').
  for (size_t pos : {0, 20, 99}) {
    std::string high = Line(sig, 1);
    high[pos] = static_cast<char>(high[pos] | 0x80);
    CHECK(corrupt(WithLine(sig, 1, high)));
  }
  // A legacy signature of the raw message: "Ed" in place of "ED" ("RUQ" -> "RWQ").
  CHECK(corrupt(WithLine(sig, 1, "RW" + Line(sig, 1).substr(2))));
  CHECK(corrupt(std::string(5000, 'x')));

  CHECK(!Sign(sk, "m", "two\nlines").ok());
  CHECK(!Sign(sk, "m", std::string(2049, 'x')).ok());
  CHECK(Sign(sk, "m", std::string(2048, 'x')).ok());
  std::string messy = Sign(sk, "m", "t", "bad\ncomment\r").value();
  CHECK(Line(messy, 0) == "untrusted comment: bad comment ");
  CHECK(VerifySignature({pk}, "m", messy).ok());

  CHECK(ParsePublicKeyFile("").status().IsCorruption());
  CHECK(ParsePublicKeyFile(Line(EncodePublicKeyFile(pk), 1)).status().IsCorruption());
  CHECK(ParsePublicKey(Line(sig, 1)).status().IsCorruption());
  std::string key_line = Line(EncodeSecretKeyFile(sk), 1);
  CHECK(ParseSecretKeyFile("untrusted comment:\n").status().IsCorruption());
  CHECK(
      ParseSecretKeyFile("untrusted comment: \n" + Retype(key_line, 120)).status().IsCorruption());
  // kdf "Sc" (scrypt): "RWQAAEIy" is "Ed\0\0B2", "RWRTY0Iy" is "EdScB2".
  REQUIRE(key_line.substr(0, 8) == "RWQAAEIy");
  auto enc = ParseSecretKeyFile("untrusted comment: \nRWRTY0Iy" + key_line.substr(8));
  CHECK(enc.status().code() == Status::Code::kNotSupported);
  CHECK(enc.status().message() ==
        "encrypted secret keys are not supported: make one with minisign -G -W");
}

// What a mutated file may still be accepted as: the same lines after the
// untrusted comment, up to a '\r' before a line end and the final newline.
std::string Tail(const std::string& file) {
  std::string out;
  for (size_t i = file.find('\n') + 1; i < file.size() && i != 0; ++i) {
    if (file[i] == '\r' && i + 1 < file.size() && file[i + 1] == '\n') continue;
    if (file[i] == '\r' && i + 1 == file.size()) continue;
    out += file[i];
  }
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

std::string Mutate(std::string s, std::mt19937_64& rng) {
  static const char kList[] = "AB+/=\n\r\t \x00\x7f\xff:az";
  const std::string kChars(kList, sizeof kList - 1);  // with the NUL
  int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) {
    size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 6) {
      case 0:
        if (pos < s.size()) s[pos] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1:
        s.insert(pos, 1, kChars[rng() % kChars.size()]);
        break;
      case 2:
        if (pos < s.size()) s.erase(pos, 1 + rng() % 4);
        break;
      case 3:
        s.resize(pos);
        break;
      case 4:
        if (pos < s.size()) s[pos] = kChars[rng() % kChars.size()];
        break;
      case 5:
        s.insert(pos, s.substr(rng() % (s.size() + 1), rng() % 200));
        break;
    }
  }
  return s;
}

TEST_CASE("random mutations never crash and never verify", "[unit][minisign]") {
  auto [pk, sk] = NewKey();
  const std::string msg = "the manifest";
  const std::string sig = Sign(sk, msg, "height:1\ttrusted").value();
  const std::string pub = EncodePublicKeyFile(pk), key = EncodeSecretKeyFile(sk);
  std::mt19937_64 rng(Catch::rngSeed());  // --rng-seed time: a new run each time
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = Mutate(sig, rng);
    auto v = VerifySignature({pk}, msg, s);
    if (v.ok()) REQUIRE(Tail(s) == Tail(sig));
    if (!v.ok()) CHECK(!v.status().message().empty());

    auto p = ParsePublicKeyFile(Mutate(pub, rng));
    if (p.ok() && !(*p == pk)) REQUIRE(!VerifySignature({*p}, msg, sig).ok());

    auto k = ParseSecretKeyFile(Mutate(key, rng));
    if (k.ok()) REQUIRE((k->Public() == pk && k->seed == sk.seed));
  }
}

}  // namespace
}  // namespace checkpoint
