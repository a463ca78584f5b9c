// Interoperability with stock minisign (the Debian package): it verifies what
// we sign, we verify what it signs, and each reads the other's key files.
// Skipped, with a warning, where /usr/bin/minisign is not installed.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "sign/minisign.h"
#include "test_util.h"

namespace checkpoint {
namespace {

constexpr const char* kMinisign = "/usr/bin/minisign";

struct Run {
  int rc;
  std::string out;
};
// `minisign ARGS` runs kMinisign in `dir` under /bin/sh, stdin closed (no
// password prompt can hang).
Run Sh(const std::string& dir, const std::string& cmd) {
  REQUIRE(cmd.rfind("minisign ", 0) == 0);
  std::string full = "cd '" + dir + "' && " + kMinisign + cmd.substr(8) + " </dev/null 2>&1";
  FILE* p = popen(full.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

bool HaveMinisign() {
  if (access(kMinisign, X_OK) == 0) return true;
  WARN("skipped: " << kMinisign << " is not installed (apt-get install minisign)");
  return false;
}

TEST_CASE("we verify what minisign signs, and sign with its key", "[unit][minisign][interop]") {
  if (!HaveMinisign()) return;
  test::TempDir dir;
  std::string msg = "checkpoint manifest\n\x01\x02 binary too";
  Write(dir.Sub("msg"), msg);
  REQUIRE(Sh(dir.path(), "minisign -G -W -p m.pub -s m.key").rc == 0);
  // A trusted comment with a tab, and minisign's default one (timestamp, file, tabs).
  REQUIRE(Sh(dir.path(), "minisign -S -s m.key -m msg -t \"$(printf 'height:9\\tok')\"").rc == 0);
  REQUIRE(Sh(dir.path(), "minisign -S -s m.key -m msg -x default.minisig").rc == 0);
  REQUIRE(Sh(dir.path(), "minisign -S -l -s m.key -m msg -x legacy.minisig").rc == 0);

  auto pk = ParsePublicKeyFile(Read(dir.Sub("m.pub")));
  REQUIRE(pk.ok());
  auto v = VerifySignature({*pk}, msg, Read(dir.Sub("msg.minisig")));
  REQUIRE(v.ok());
  CHECK(v->trusted_comment == "height:9\tok");
  CHECK(v->key_id == pk->id);
  auto d = VerifySignature({*pk}, msg, Read(dir.Sub("default.minisig")));
  REQUIRE(d.ok());
  CHECK(d->trusted_comment.find("\tfile:msg") != std::string::npos);
  CHECK(!VerifySignature({*pk}, msg + " ", Read(dir.Sub("msg.minisig"))).ok());
  CHECK(VerifySignature({*pk}, msg, Read(dir.Sub("legacy.minisig"))).status().IsCorruption());
  // minisign prints the id as KeyIdHex does, less leading zeros ("%" PRIX64): one key in 16.
  std::string id = KeyIdHex(pk->id);
  id.erase(0, std::min(id.find_first_not_of('0'), id.size() - 1));
  CHECK(Read(dir.Sub("m.pub")).find("public key " + id + "\n") != std::string::npos);

  // Its -W secret key (zero checksum) signs here; minisign verifies the result.
  auto sk = ParseSecretKeyFile(Read(dir.Sub("m.key")));
  REQUIRE(sk.ok());
  CHECK(sk->Public() == *pk);
  Write(dir.Sub("msg.minisig"), Sign(*sk, msg, "ours").value());
  Run r = Sh(dir.path(), "minisign -V -p m.pub -m msg");
  CHECK(r.rc == 0);
  CHECK(r.out.find("Trusted comment: ours") != std::string::npos);
}

TEST_CASE("minisign verifies what we sign, and signs with our key", "[unit][minisign][interop]") {
  if (!HaveMinisign()) return;
  test::TempDir dir;
  auto [pk, sk] = GenerateKey().value();
  Write(dir.Sub("ours.pub"), EncodePublicKeyFile(pk));
  Write(dir.Sub("ours.key"), EncodeSecretKeyFile(sk));
  std::string msg(100000, 'x');
  msg[777] = '\0';
  Write(dir.Sub("msg"), msg);
  Write(dir.Sub("msg.minisig"), Sign(sk, msg, "height:12\tdigest:00ff", "from checkpoint").value());
  Run r = Sh(dir.path(), "minisign -V -p ours.pub -m msg");
  CHECK(r.rc == 0);
  CHECK(r.out.find("Trusted comment: height:12\tdigest:00ff") != std::string::npos);
  // The key given inline, as `-P` takes it.
  std::string b64 = Read(dir.Sub("ours.pub")).substr(Read(dir.Sub("ours.pub")).find('\n') + 1);
  b64.pop_back();
  CHECK(Sh(dir.path(), "minisign -V -P " + b64 + " -m msg").rc == 0);
  // minisign rejects our signature over another message.
  Write(dir.Sub("msg"), msg + "!");
  CHECK(Sh(dir.path(), "minisign -V -p ours.pub -m msg").rc != 0);

  // Our secret key file (real checksum) is readable by minisign, and we verify its signature.
  REQUIRE(Sh(dir.path(), "minisign -S -s ours.key -m msg -t theirs").rc == 0);
  auto v = VerifySignature({pk}, msg + "!", Read(dir.Sub("msg.minisig")));
  REQUIRE(v.ok());
  CHECK(v->trusted_comment == "theirs");
  // minisign -R rebuilds the same public key from our secret key file.
  REQUIRE(Sh(dir.path(), "minisign -R -s ours.key -p again.pub").rc == 0);
  CHECK(ParsePublicKeyFile(Read(dir.Sub("again.pub"))).value() == pk);
}

}  // namespace
}  // namespace checkpoint
