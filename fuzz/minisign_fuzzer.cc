// A .minisig (or key file) from a stranger, against a fixed key: parsing never
// crashes, and a signature accepted is the one signature there is (Ed25519 is
// deterministic and OpenSSL refuses non-canonical S): the same lines as ours
// after the untrusted comment, up to a '\r' before a line end.
#include <cstdint>
#include <string>

#include "sign/minisign.h"

namespace {

// Made with `minisign -G -W`; corpus/minisign holds its signatures of kMessage.
constexpr char kKeyFile[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMk5b2Fuhdiobu7wcQxY60F"
    "Eg"
    "auo/e3ye7QULtNRzqcHbTlC03q3PSiaut0nykB/"
    "y7ujc91UEPZkmG9f448MoXaetpjwvpRYGAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAA=\n";
constexpr char kMessage[] = "checkpoint fuzz message";

std::string Tail(std::string_view file) {
  std::string out;
  size_t nl = file.find('\n');
  if (nl == std::string_view::npos) return out;
  for (size_t i = nl + 1; i < file.size(); ++i) {
    if (file[i] == '\r' && (i + 1 == file.size() || file[i + 1] == '\n')) continue;
    out += file[i];
  }
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace checkpoint;
  static const SecretKey key = std::move(ParseSecretKeyFile(kKeyFile)).value();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)ParsePublicKeyFile(bytes);
  (void)ParseSecretKeyFile(bytes);
  auto v = VerifySignature({key.Public()}, kMessage, bytes);
  if (!v.ok()) return 0;
  auto ours = Sign(key, kMessage, v->trusted_comment);
  if (!ours.ok() || Tail(*ours) != Tail(bytes)) __builtin_trap();
  return 0;
}
