// A chain node embedding checkpoint, through the installed public headers only
// (include/checkpoint/): commit a few heights, checkpoint the latest, verify it
// against its root, and restore it the way a syncing node does, chunk by chunk.
// Built by scripts/check-install.sh against `meson install` output with
//   c++ -std=c++20 embed.cc $(pkg-config --cflags --libs checkpoint)
// usage: embed WORKDIR   (made if missing; must not hold an earlier run)
#include <checkpoint/checkpoint.h>
#include <checkpoint/restore.h>
#include <checkpoint/state_db.h>
#include <checkpoint/verify.h>
#include <checkpoint/version.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

int Die(const std::string& what, const checkpoint::Status& s, const std::string& why = "") {
  const std::string text = why.empty() ? s.ToString() : why;
  std::fprintf(stderr, "embed: %s: %s\n", what.c_str(), text.c_str());
  return 1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace checkpoint;
  if (argc != 2) return std::fprintf(stderr, "usage: embed WORKDIR\n"), 2;
  const std::string work = argv[1];
  std::filesystem::create_directories(work);

  // 1. The node's state: three heights of 200 accounts, some changed each time.
  StateDbOptions options;
  options.create_if_missing = true;
  auto db = StateDb::Open(work + "/node-state", options);
  if (!db.ok()) return Die("open", db.status());
  for (uint64_t height = 1; height <= 3; ++height) {
    WriteLog log;
    for (int i = 0; i < 200; i += static_cast<int>(height)) {
      Status s = log.Put("account/" + std::to_string(i), "balance " + std::to_string(i * height));
      if (!s.ok()) return Die("put", s);
    }
    if (height == 3) (void)log.Delete("account/0");
    Status s = db.value()->Commit(height, log);
    if (!s.ok()) return Die("commit", s);
  }
  const HeightInfo top = db.value()->Heights().back();

  // 2. A checkpoint of the latest height, in small chunks.
  CreateOptions create;
  create.chunk_size = 4 << 10;
  auto made = CreateCheckpoint(db.value().get(), top.height, work + "/store", create);
  if (!made.ok()) return Die("create", made.status());

  // 3. Verified against the root consensus gives us.
  VerifyOptions verify;
  verify.anchors.root = top.root;
  auto report = VerifyCheckpoint(made.value().path, verify);
  if (!report.ok()) return Die("verify", report.status());
  if (!report.value().ok()) return std::fprintf(stderr, "embed: checkpoint does not verify\n"), 1;

  // 4. Restored by a new node: the manifest, then each chunk as peers deliver it.
  const std::string manifest = ReadFile(made.value().path + "/" + kManifestFile);
  RestoreOptions restore;
  restore.anchors.root = top.root;
  auto session = RestoreSession::Begin(work + "/new-node", manifest, restore);
  if (!session.ok()) return Die("restore", session.status());
  for (size_t index : session.value()->Remaining()) {
    ChunkCheck check;
    Status s = session.value()->Add(index, ReadFile(made.value().path + "/" + ChunkFileName(index)),
                                    &check);
    if (!s.ok()) return Die("add chunk", s);
    if (check.cls != ChunkClass::kOk) {
      return Die("chunk " + std::to_string(index), s, check.message);
    }
  }
  if (Status s = session.value()->Finish(); !s.ok()) return Die("finish", s);
  session.value().reset();  // closes the new node's database

  // 5. The new node holds the same state.
  auto restored = StateDb::Open(work + "/new-node", StateDbOptions{});
  if (!restored.ok()) return Die("reopen", restored.status());
  const HeightInfo got = restored.value()->Heights().back();
  if (got.height != top.height || got.root != top.root) {
    return std::fprintf(stderr, "embed: restored root differs\n"), 1;
  }
  std::printf("checkpoint %s: height %llu, %llu chunks, root %s restored\n", kVersion,
              static_cast<unsigned long long>(got.height),
              static_cast<unsigned long long>(made.value().chunks), ToHex(got.root).c_str());
  return 0;
}
