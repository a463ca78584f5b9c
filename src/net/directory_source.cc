// DirectorySource: a checkpoint directory on this machine, one read a chunk.
// There is no other copy to ask, so a bad chunk is simply unavailable.
#include <algorithm>
#include <map>
#include <mutex>

#include "checkpoint/source.h"
#include "ops/chunk_check.h"
#include "ops/files.h"

namespace checkpoint {
namespace {

class DirectorySource : public ChunkSource {
 public:
  explicit DirectorySource(std::string dir) : dir_(std::move(dir)) { report_.name = dir_; }

  Result<std::vector<ManifestOffer>> Manifests() override {
    std::string bytes;
    Status s = ReadManifestFile(dir_, &bytes);
    if (s.IsNotFound() || s.IsCorruption()) {
      report_.why = "manifest: " + s.message();
      return std::vector<ManifestOffer>{};
    }
    CHECKPOINT_RETURN_IF_ERROR(s);
    const Hash id = ManifestId(bytes);
    return std::vector<ManifestOffer>{{std::move(bytes), id, {0}}};
  }

  void Start(const ManifestOffer&, const Manifest& m, const std::vector<size_t>& wanted) override {
    std::lock_guard<std::mutex> lock(mu_);
    manifest_ = m;
    wanted_ = wanted;
    next_ = 0;
    failed_.clear();
  }

  Result<std::optional<ChunkDelivery>> Next() override {
    for (;;) {
      size_t index;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (next_ >= wanted_.size()) return std::optional<ChunkDelivery>();
        index = wanted_[next_++];
        ++report_.requests;
      }
      Result<std::string> file = ReadChunkFile(dir_, manifest_, index);
      if (IsLocalReadError(file.status())) return file.status();
      if (!file.ok()) {
        const ChunkCheck why = ReadFailure(file.status(), index);
        std::lock_guard<std::mutex> lock(mu_);
        failed_[index] = {static_cast<int64_t>(index), why.cls, why.message};
        continue;
      }
      return std::optional<ChunkDelivery>(ChunkDelivery{index, std::move(*file), 0});
    }
  }

  void Judge(const ChunkDelivery& d, const ChunkCheck& check) override {
    std::lock_guard<std::mutex> lock(mu_);
    report_.bytes += d.bytes.size();
    if (check.cls == ChunkClass::kOk) {
      ++report_.chunks;
    } else {
      ++report_.strikes;
      failed_[d.index] = {static_cast<int64_t>(d.index), check.cls, check.message};
    }
  }

  std::vector<std::string> Signatures(const ManifestOffer&,
                                      const std::vector<std::string>& key_ids) override {
    std::vector<std::string> out;
    for (const std::string& id : key_ids) {
      std::string text;
      const std::string path = dir_ + "/" + kSignatureDir + "/" + id + ".minisig";
      if (ReadFileBounded(path, kMaxSignatureFileBytes, &text).ok()) out.push_back(std::move(text));
    }
    return out;
  }

  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    next_ = wanted_.size();
  }

  std::vector<ChunkProblem> Unavailable() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ChunkProblem> out;
    for (const auto& [index, problem] : failed_) out.push_back(problem);
    return out;
  }

  SourceProgress Progress() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return {wanted_.size(), report_.chunks, report_.bytes, 1, 0};
  }

  std::vector<MirrorReport> Mirrors() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return {report_};
  }

 private:
  const std::string dir_;
  mutable std::mutex mu_;
  Manifest manifest_;
  std::vector<size_t> wanted_;
  size_t next_ = 0;
  std::map<size_t, ChunkProblem> failed_;  // by index: the report's order
  MirrorReport report_;
};

}  // namespace

std::unique_ptr<ChunkSource> NewDirectorySource(const std::string& dir) {
  return std::make_unique<DirectorySource>(dir);
}

}  // namespace checkpoint
