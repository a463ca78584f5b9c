#include "sign/minisign.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "sign/primitives.h"

namespace checkpoint {
namespace {

using namespace sign_internal;

constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";
constexpr std::string_view kSigAlg = "Ed";        // keys, and legacy signatures of the raw message
constexpr std::string_view kSigAlgHashed = "ED";  // signatures of BLAKE2b-512(message)
constexpr std::string_view kChecksumAlg = "B2";
// Binary sizes: public key, secret key, signature blob.
constexpr size_t kPubBytes = 2 + 8 + 32;
constexpr size_t kSecBytes = 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32;
constexpr size_t kSigBytes = 2 + 8 + 64;
// Offsets in the secret key blob.
constexpr size_t kSecKdf = 2, kSecChk = 4, kSecId = 54, kSecSeed = 62, kSecPk = 94, kSecSum = 126;

// Wipes a buffer that held secret bytes when it goes out of scope.
template <size_t N>
struct Scrubbed {
  std::array<uint8_t, N> b{};
  ~Scrubbed() { OPENSSL_cleanse(b.data(), N); }
};

// A file of exactly n lines, each ending in '\n' (the last one may not). A
// '\r' before the '\n' is dropped, as minisign's trim() does.
bool SplitLines(std::string_view file, size_t n, std::string_view* lines) {
  if (file.size() > kMaxFileBytes) return false;
  for (size_t i = 0; i < n; ++i) {
    size_t nl = file.find('\n');
    if (nl == std::string_view::npos && i + 1 < n) return false;
    std::string_view line = file.substr(0, nl);
    file = nl == std::string_view::npos ? std::string_view() : file.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines[i] = line;
  }
  return file.empty();
}

// minisign reads a comment line into 1024 bytes; longer ones would shift its lines.
bool UntrustedLineOk(std::string_view line) {
  return line.substr(0, kUntrustedPrefix.size()) == kUntrustedPrefix &&
         line.size() <= kUntrustedPrefix.size() + kMaxCommentBytes;
}

// Signed text must mean the same to minisign, which cuts it at \r or NUL; tab
// is allowed because minisign's default trusted comment uses it.
bool TrustedCommentOk(std::string_view text) {
  if (text.size() > kMaxTrustedCommentBytes) return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

std::string CommentLine(std::string_view comment, std::string_view fallback) {
  std::string c(comment.empty() ? fallback : comment.substr(0, kMaxCommentBytes));
  for (char& ch : c) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  return std::string(kUntrustedPrefix) + c + "\n";
}

// BLAKE2b-256 of "Ed" ‖ id ‖ seed ‖ pk, the parts of the blob minisign covers.
void SecretChecksum(const uint8_t* blob, uint8_t out[32]) {
  Blake2b256({{blob, 2}, {blob + kSecId, 8 + 64}}, out);
}

Status Corrupt(std::string_view what, std::string_view why) {
  return Status::Corruption(std::string(what) + ": " + std::string(why));
}

}  // namespace

SecretKey::SecretKey(SecretKey&& other) noexcept { *this = std::move(other); }

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    id = other.id;
    seed = other.seed;
    public_key = other.public_key;
    OPENSSL_cleanse(other.seed.data(), other.seed.size());
  }
  return *this;
}

SecretKey::~SecretKey() { OPENSSL_cleanse(seed.data(), seed.size()); }

std::string KeyIdHex(const KeyId& id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = id.size(); i-- > 0;) {
    out += kHex[id[i] >> 4];
    out += kHex[id[i] & 15];
  }
  return out;
}

Result<std::pair<PublicKey, SecretKey>> GenerateKey() {
  SecretKey sk;
  if (RAND_bytes(sk.seed.data(), 32) != 1 || RAND_bytes(sk.id.data(), 8) != 1 ||
      !Ed25519Public(sk.seed, sk.public_key)) {
    return Status::IOError("cannot generate an Ed25519 key (OpenSSL RNG or Ed25519 failed)");
  }
  PublicKey pk = sk.Public();
  return std::make_pair(pk, std::move(sk));
}

std::string EncodePublicKeyFile(const PublicKey& key, std::string_view comment) {
  std::array<uint8_t, kPubBytes> blob;
  std::memcpy(blob.data(), kSigAlg.data(), 2);
  std::memcpy(blob.data() + 2, key.id.data(), 8);
  std::memcpy(blob.data() + 10, key.key.data(), 32);
  return CommentLine(comment, "minisign public key " + KeyIdHex(key.id)) +
         ToBase64(blob.data(), blob.size()) + "\n";
}

std::string EncodeSecretKeyFile(const SecretKey& key, std::string_view comment) {
  // kdf "\0\0" (none); salt and limits stay zero, as `minisign -G -W` leaves them.
  Scrubbed<kSecBytes> blob;
  std::memcpy(blob.b.data(), kSigAlg.data(), 2);
  std::memcpy(blob.b.data() + kSecChk, kChecksumAlg.data(), 2);
  std::memcpy(blob.b.data() + kSecId, key.id.data(), 8);
  std::memcpy(blob.b.data() + kSecSeed, key.seed.data(), 32);
  std::memcpy(blob.b.data() + kSecPk, key.public_key.data(), 32);
  SecretChecksum(blob.b.data(), blob.b.data() + kSecSum);
  std::string b64 = ToBase64(blob.b.data(), blob.b.size());
  // Appended into room reserved up front, so no reallocation leaves a copy behind.
  std::string out = CommentLine(comment, "minisign secret key " + KeyIdHex(key.id));
  out.reserve(out.size() + b64.size() + 1);
  out += b64;
  out += '\n';
  OPENSSL_cleanse(b64.data(), b64.size());
  return out;
}

Result<PublicKey> ParsePublicKey(std::string_view base64) {
  std::array<uint8_t, kPubBytes> blob;
  if (!FromBase64(base64, blob.data(), blob.size())) {
    return Corrupt("public key", "not the base64 of a minisign public key");
  }
  if (std::memcmp(blob.data(), kSigAlg.data(), 2) != 0) {
    return Corrupt("public key", "not an Ed25519 minisign key");
  }
  PublicKey key;
  std::memcpy(key.id.data(), blob.data() + 2, 8);
  std::memcpy(key.key.data(), blob.data() + 10, 32);
  return key;
}

Result<PublicKey> ParsePublicKeyFile(std::string_view file) {
  std::string_view lines[2];
  if (!SplitLines(file, 2, lines) || !UntrustedLineOk(lines[0])) {
    return Corrupt("public key file", "not an untrusted comment line and a key line");
  }
  return ParsePublicKey(lines[1]);
}

Result<SecretKey> ParseSecretKeyFile(std::string_view file) {
  std::string_view lines[2];
  if (!SplitLines(file, 2, lines) || !UntrustedLineOk(lines[0])) {
    return Corrupt("secret key file", "not an untrusted comment line and a key line");
  }
  Scrubbed<kSecBytes> blob;
  if (!FromBase64(lines[1], blob.b.data(), blob.b.size())) {
    return Corrupt("secret key file", "not the base64 of a minisign secret key");
  }
  const uint8_t* b = blob.b.data();
  if (std::memcmp(b, kSigAlg.data(), 2) != 0 || std::memcmp(b + kSecChk, "B2", 2) != 0) {
    return Corrupt("secret key file", "not an Ed25519 minisign key with a BLAKE2b checksum");
  }
  if (std::memcmp(b + kSecKdf, "Sc", 2) == 0) {
    return Status::NotSupported(
        "encrypted secret keys are not supported: make one with minisign -G -W");
  }
  if (std::memcmp(b + kSecKdf, "\0\0", 2) != 0) {
    return Corrupt("secret key file", "unknown key derivation function");
  }
  // minisign -W writes a zero checksum (it only computes one to encrypt).
  uint8_t sum[32];
  SecretChecksum(b, sum);
  bool zero = std::all_of(b + kSecSum, b + kSecSum + 32, [](uint8_t x) { return x == 0; });
  if (!zero && CRYPTO_memcmp(sum, b + kSecSum, 32) != 0) {
    return Corrupt("secret key file", "checksum mismatch");
  }
  SecretKey key;
  std::memcpy(key.id.data(), b + kSecId, 8);
  std::memcpy(key.seed.data(), b + kSecSeed, 32);
  std::memcpy(key.public_key.data(), b + kSecPk, 32);
  // Catches a damaged key the zero checksum cannot: signatures must match the .pub.
  std::array<uint8_t, 32> derived;
  if (!Ed25519Public(key.seed, derived) || derived != key.public_key) {
    return Corrupt("secret key file", "the public half does not match the secret key");
  }
  return key;
}

Result<std::string> Sign(const SecretKey& key, std::string_view message,
                         std::string_view trusted_comment, std::string_view untrusted_comment) {
  if (!TrustedCommentOk(trusted_comment)) {
    return Status::InvalidArgument("trusted comment: at most " +
                                   std::to_string(kMaxTrustedCommentBytes) +
                                   " bytes on one line, no control characters but tab");
  }
  uint8_t hash[64];
  std::array<uint8_t, kSigBytes> sig;
  std::memcpy(sig.data(), kSigAlgHashed.data(), 2);
  std::memcpy(sig.data() + 2, key.id.data(), 8);
  std::string global_msg(64 + trusted_comment.size(), '\0');
  uint8_t global[64];
  if (!Blake2b512(message, hash) || !Ed25519Sign(key.seed, hash, 64, sig.data() + 10)) {
    return Status::IOError("Ed25519 signing failed (OpenSSL)");
  }
  std::memcpy(global_msg.data(), sig.data() + 10, 64);
  std::memcpy(global_msg.data() + 64, trusted_comment.data(), trusted_comment.size());
  if (!Ed25519Sign(key.seed, reinterpret_cast<const uint8_t*>(global_msg.data()), global_msg.size(),
                   global)) {
    return Status::IOError("Ed25519 signing failed (OpenSSL)");
  }
  return CommentLine(untrusted_comment, "signature from minisign secret key") +
         ToBase64(sig.data(), sig.size()) + "\n" + std::string(kTrustedPrefix) +
         std::string(trusted_comment) + "\n" + ToBase64(global, 64) + "\n";
}

namespace {

// A signature file's parts, checked for shape but not verified.
struct SignatureParts {
  std::array<uint8_t, kSigBytes> sig;  // "ED" ‖ key id ‖ signature
  uint8_t global[64];                  // signature of sig[10..] ‖ trusted comment
  std::string_view trusted_comment;
};

Status SplitSignatureFile(std::string_view minisig_file, SignatureParts* out) {
  std::string_view lines[4];
  if (!SplitLines(minisig_file, 4, lines) || !UntrustedLineOk(lines[0])) {
    return Corrupt("signature file", "not the four lines of a minisign signature");
  }
  if (!FromBase64(lines[1], out->sig.data(), out->sig.size()) ||
      !FromBase64(lines[3], out->global, 64)) {
    return Corrupt("signature file", "a signature line is not the base64 of a signature");
  }
  if (std::memcmp(out->sig.data(), kSigAlg.data(), 2) == 0) {
    return Corrupt("signature file", "legacy signature of the raw message (minisign -l)");
  }
  if (std::memcmp(out->sig.data(), kSigAlgHashed.data(), 2) != 0) {
    return Corrupt("signature file", "unknown signature algorithm");
  }
  std::string_view text = lines[2].substr(std::min(lines[2].size(), kTrustedPrefix.size()));
  if (lines[2].substr(0, kTrustedPrefix.size()) != kTrustedPrefix || !TrustedCommentOk(text)) {
    return Corrupt("signature file", "bad trusted comment line");
  }
  out->trusted_comment = text;
  return Status::OK();
}

}  // namespace

Result<Signature> ParseSignatureFile(std::string_view minisig_file) {
  SignatureParts parts;
  CHECKPOINT_RETURN_IF_ERROR(SplitSignatureFile(minisig_file, &parts));
  Signature out;
  std::memcpy(out.key_id.data(), parts.sig.data() + 2, 8);
  out.trusted_comment = std::string(parts.trusted_comment);
  return out;
}

Result<Signature> VerifySignature(const std::vector<PublicKey>& keys, std::string_view message,
                                  std::string_view minisig_file) {
  SignatureParts parts;
  CHECKPOINT_RETURN_IF_ERROR(SplitSignatureFile(minisig_file, &parts));
  const uint8_t* sig = parts.sig.data();
  Signature out;
  std::memcpy(out.key_id.data(), sig + 2, 8);
  uint8_t hash[64];
  if (!Blake2b512(message, hash)) return Status::IOError("BLAKE2b-512 failed (OpenSSL)");
  std::string global_msg(reinterpret_cast<const char*>(sig + 10), 64);
  global_msg += parts.trusted_comment;
  bool found = false;
  // Ids are not unique in general (8 random bytes): try every configured key that has it.
  for (const PublicKey& key : keys) {
    if (key.id != out.key_id) continue;
    found = true;
    if (Ed25519Verify(key.key, hash, 64, sig + 10) &&
        Ed25519Verify(key.key, reinterpret_cast<const uint8_t*>(global_msg.data()),
                      global_msg.size(), parts.global)) {
      out.trusted_comment = std::string(parts.trusted_comment);
      return out;
    }
  }
  if (!found) {
    return Status::NotFound("signed by key " + KeyIdHex(out.key_id) +
                            ", which is not a configured key");
  }
  return Status::InvalidArgument("signature by key " + KeyIdHex(out.key_id) +
                                 " does not verify (message or trusted comment altered)");
}

}  // namespace checkpoint
