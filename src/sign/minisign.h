// Ed25519 signatures in minisign's file formats, so operators can use stock
// `minisign` on either side: it verifies our .minisig files, and we verify the
// ones `minisign -S` makes (https://jedisct1.github.io/minisign/).
//
// Formats (every binary blob is one line of standard, padded base64):
//   public key  "untrusted comment: …\n" b64("Ed" ‖ id[8] ‖ pk[32])
//   secret key  "untrusted comment: …\n" b64("Ed" ‖ kdf "\0\0" ‖ "B2" ‖ salt[32] ‖
//               opslimit[8] ‖ memlimit[8] ‖ id[8] ‖ seed‖pk[64] ‖ checksum[32])
//   signature   "untrusted comment: …\n" b64("ED" ‖ id[8] ‖ Ed25519(BLAKE2b-512(msg)))
//               "trusted comment: TEXT\n" b64(Ed25519(sig[64] ‖ TEXT))
// Only prehashed ("ED") signatures, minisign's default since 0.8, are made or
// accepted; only unencrypted secret keys (`minisign -G -W`) are read.
//
// Every parser takes hostile input: files above kMaxFileBytes, overlong lines,
// non-canonical base64 or control characters in a trusted comment are rejected
// before anything is allocated for them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/status.h"

namespace checkpoint {

using KeyId = std::array<uint8_t, 8>;

inline constexpr size_t kMaxFileBytes = 4096;     // any key or signature file
inline constexpr size_t kMaxCommentBytes = 1000;  // minisign reads 1024-byte lines
inline constexpr size_t kMaxTrustedCommentBytes = 2048;

struct PublicKey {
  KeyId id{};
  std::array<uint8_t, 32> key{};
  bool operator==(const PublicKey&) const = default;
};

// The seed and its public half. Never printed; wiped when destroyed. Move-only
// so that copies of the secret do not spread.
class SecretKey {
 public:
  SecretKey() = default;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  ~SecretKey();

  PublicKey Public() const { return {id, public_key}; }

  KeyId id{};
  std::array<uint8_t, 32> seed{};        // the Ed25519 private key (RFC 8032)
  std::array<uint8_t, 32> public_key{};  // derived from seed; kept as minisign keeps it
};

// What a good signature vouches for, besides the message.
struct Signature {
  KeyId key_id{};
  std::string trusted_comment;
};

// minisign's display of a key id: the 8 bytes as a little-endian integer in 16
// upper-case hex digits ("EEF936AAAF934F15" for bytes 15 4F 93 AF AA 36 F9 EE).
std::string KeyIdHex(const KeyId& id);

// A fresh key pair with a random id.
Result<std::pair<PublicKey, SecretKey>> GenerateKey();

// An empty comment gives minisign's own ("minisign public key <ID>"). Control
// characters in a comment become spaces and it is cut at kMaxCommentBytes: the
// comment is untrusted, and one line.
std::string EncodePublicKeyFile(const PublicKey& key, std::string_view comment = {});
std::string EncodeSecretKeyFile(const SecretKey& key, std::string_view comment = {});

// Corruption for anything malformed. ParsePublicKey also takes the bare base64
// line (what `minisign -P` takes), ParsePublicKeyFile needs the comment line.
Result<PublicKey> ParsePublicKey(std::string_view base64);
Result<PublicKey> ParsePublicKeyFile(std::string_view file);
// NotSupported for an encrypted key. The checksum is checked unless it is all
// zeros (minisign -W leaves it so), and the public half must match the seed.
Result<SecretKey> ParseSecretKeyFile(std::string_view file);

// The .minisig file text. InvalidArgument for a trusted comment that is too
// long or holds control characters other than tab (minisign's default uses
// tabs), which minisign could not verify.
Result<std::string> Sign(const SecretKey& key, std::string_view message,
                         std::string_view trusted_comment, std::string_view untrusted_comment = {});

// Verifies `minisig_file` over `message` with whichever of `keys` has its key
// id: both the signature and the global signature over the trusted comment.
// Corruption: the file is malformed (or a legacy "Ed" signature).
// NotFound: no key in `keys` has the signature's key id.
// InvalidArgument: a key with that id exists but the signature does not verify.
Result<Signature> VerifySignature(const std::vector<PublicKey>& keys, std::string_view message,
                                  std::string_view minisig_file);
// What a signature file claims (key id, trusted comment), NOT verified: for
// showing, never for trusting. Corruption as VerifySignature.
Result<Signature> ParseSignatureFile(std::string_view minisig_file);

}  // namespace checkpoint
