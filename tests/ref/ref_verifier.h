// An independent reference verifier for the canonical chunk encoding (format 1).
//
// Written from docs/FORMAT.md alone (§1 trie and hashes, §3 "Canonical encoding" and
// "What a valid chunk proves, and how to check it", steps 1-6), sharing no code with the
// production verifier, so the tests can use it as a second opinion. Depends only on the
// C++ standard library, pthreads and OpenSSL's EVP digests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refv {

struct RefResult {
  bool ok = false;
  std::string reason;  // empty when ok; "step N: ..." naming the FORMAT.md §3 rule otherwise
  std::string lo;      // the decoded interval (filled as far as decoding got)
  bool has_hi = false;
  std::string hi;
  std::vector<std::pair<std::string, std::string>> leaves;  // key/value items, in chunk order
};

// hash: "sha256" or "sha512_256"; root: 32 raw bytes. ok is true exactly when the canonical
// encoding satisfies every rule of FORMAT.md §3 against that root. Throws std::invalid_argument
// for an unknown hash name or a root that is not 32 bytes (a caller error, not a rejection).
RefResult RefVerifyChunk(std::string_view canonical, const std::string& hash,
                         std::string_view root);

// §1 primitives, exposed for tests that need to make roots and stub hashes themselves.
std::string RefHash(const std::string& hash, std::string_view data);  // H(data)
std::string RefLeafHash(const std::string& hash, std::string_view key, std::string_view value);
// The root of a key/value set (keys distinct, any order); H("") for the empty set.
std::string RefTrieRoot(const std::string& hash,
                        std::vector<std::pair<std::string, std::string>> kvs);

}  // namespace refv
