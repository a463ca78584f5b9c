// Operator keys and checkpoint signatures: the files around the minisign
// formats of src/sign/.
#include "checkpoint/sign.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "checkpoint/checkpoint.h"
#include "checkpoint/manifest.h"
#include "checkpoint/store.h"
#include "ops/files.h"
#include "sign/minisign.h"

namespace checkpoint {
namespace {

// A secret key file is at most a few hundred bytes.
constexpr uint64_t kMaxKeyFileBytes = 4096;

}  // namespace

Result<std::string> GenerateKeyFiles(const std::string& name) {
  const std::string secret = name + ".key", pub = name + ".pub";
  for (const std::string& path : {secret, pub}) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
      return Status::InvalidArgument(path + " exists: a key is never overwritten");
    }
  }
  CHECKPOINT_ASSIGN_OR_RETURN(auto pair, GenerateKey());
  const std::string id = KeyIdHex(pair.first.id);
  // The secret first, readable by its owner only from its creation on.
  CHECKPOINT_RETURN_IF_ERROR(WriteNewFileSynced(secret, EncodeSecretKeyFile(pair.second), 0600));
  Status s = WriteNewFileSynced(pub, EncodePublicKeyFile(pair.first));
  if (!s.ok()) {
    ::unlink(secret.c_str());
    return s;
  }
  return id;
}

Result<SignResult> SignCheckpoint(const std::string& checkpoint_arg, const std::string& key_file,
                                  const std::string& comment, double wait_seconds) {
  if (comment.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("a signature comment is one line");
  }
  CHECKPOINT_ASSIGN_OR_RETURN(std::string ckpt, ResolveCheckpoint(checkpoint_arg));
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

  CHECKPOINT_ASSIGN_OR_RETURN(StoreLock lock, StoreLock::Acquire(StoreOf(ckpt), wait_seconds));
  std::string manifest_bytes;
  CHECKPOINT_RETURN_IF_ERROR(ReadManifestFile(ckpt, &manifest_bytes));
  Manifest m;
  CHECKPOINT_RETURN_IF_ERROR(ParseManifest(manifest_bytes, &m));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  SignResult r;
  r.key_id = KeyIdHex(key->id);
  r.trusted_comment = "checkpoint height:" + std::to_string(m.height) + " root:" + ToHex(m.root) +
                      " id:" + ToHex(ManifestId(manifest_bytes)) +
                      " timestamp:" + std::to_string(now) + (comment.empty() ? "" : " " + comment);
  CHECKPOINT_ASSIGN_OR_RETURN(
      std::string sig, Sign(*key, manifest_bytes, r.trusted_comment, "checkpoint signature"));
  const std::string dir = ckpt + "/" + kSignatureDir;
  if (::lstat(dir.c_str(), &st) != 0) {
    CHECKPOINT_RETURN_IF_ERROR(MakeNewDir(dir));
  } else if (!S_ISDIR(st.st_mode)) {
    return Status::IOError(dir + " is not a directory (a link is not followed)");
  }
  r.path = dir + "/" + r.key_id + ".minisig";
  CHECKPOINT_RETURN_IF_ERROR(ReplaceFileAtomically(r.path, sig));
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(ckpt));
  return r;
}

}  // namespace checkpoint
