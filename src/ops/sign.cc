// Operator keys and checkpoint signatures: the files around the minisign
// formats of src/sign/.
#include "checkpoint/sign.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "checkpoint/checkpoint.h"
#include "checkpoint/manifest.h"
#include "checkpoint/store.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/signatures.h"
#include "ops/store_index.h"
#include "torrent/publish_internal.h"

namespace checkpoint {

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
  CHECKPOINT_ASSIGN_OR_RETURN(std::string ckpt, ResolveCheckpoint(checkpoint_arg));
  CHECKPOINT_ASSIGN_OR_RETURN(SecretKey key, LoadSecretKey(key_file));
  CHECKPOINT_ASSIGN_OR_RETURN(StoreLock lock, StoreLock::Acquire(StoreOf(ckpt), wait_seconds));
  std::string manifest;
  CHECKPOINT_RETURN_IF_ERROR(ReadManifestFile(ckpt, &manifest));
  const std::optional<PublishOptions> published = PublishedOptions(ckpt);
  CHECKPOINT_ASSIGN_OR_RETURN(SignResult r, WriteCheckpointSignature(ckpt, key, manifest, comment));
  if (published) {
    Result<PublishResult> again = WriteTorrent(ckpt, *published);
    if (again.ok()) {
      r.unpublished = false;
      r.magnet = again->magnet;
    }
  }
  if (!published) return r;
  // index.json carries the magnet link. Its signature, of the old link, is
  // renewed when this key made it, removed otherwise (WriteStoreIndex).
  const std::string store = StoreOf(ckpt);
  std::string index_sig;
  Result<SignatureClaim> signer = Status::NotFound("");
  if (ReadFileBounded(store + "/" + kIndexSignatureFile, kMaxSignatureFileBytes, &index_sig).ok())
    signer = DescribeSignature(index_sig);
  const bool own_index = signer.ok() && signer->key_id == r.key_id;
  CHECKPOINT_RETURN_IF_ERROR(WriteStoreIndex(store, lock, own_index ? &key : nullptr));
  return r;
}

Result<SignResult> SignStoreIndex(const std::string& store, const StoreLock& lock,
                                  const std::string& key_file) {
  CHECKPOINT_ASSIGN_OR_RETURN(SecretKey key, LoadSecretKey(key_file));
  CHECKPOINT_RETURN_IF_ERROR(WriteStoreIndex(store, lock, &key));
  std::string sig;
  CHECKPOINT_RETURN_IF_ERROR(
      ReadFileBounded(store + "/" + kIndexSignatureFile, kMaxSignatureFileBytes, &sig));
  CHECKPOINT_ASSIGN_OR_RETURN(SignatureClaim info, DescribeSignature(sig));
  SignResult r;
  r.path = store + "/" + kIndexSignatureFile;
  r.key_id = info.key_id;
  r.trusted_comment = info.trusted_comment;
  return r;
}

Result<SignResult> SignStoreIndex(const std::string& store, const std::string& key_file,
                                  double wait_seconds) {
  CHECKPOINT_RETURN_IF_ERROR(CheckSecretKeyFile(key_file));
  std::error_code ec;
  if (!std::filesystem::is_directory(store, ec)) return Status::NotFound("no store at " + store);
  CHECKPOINT_ASSIGN_OR_RETURN(StoreLock lock, StoreLock::Acquire(store, wait_seconds));
  return SignStoreIndex(store, lock, key_file);
}

Status CheckSecretKeyFile(const std::string& key_file) { return LoadSecretKey(key_file).status(); }

}  // namespace checkpoint
