// SOURCE… arguments and the transfer options shared by verify, restore and
// fetch: checkpoint or store, path or URL, one or several mirrors.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "checkpoint/source.h"

namespace checkpoint::cli {

// What every command taking SOURCE… parses alike.
struct SourceArgs {
  std::vector<std::string> sources;
  Anchors anchors;  // --root, --id, --height N
  CheckpointPick pick;
  uint64_t max_chunk_size = kDefaultMaxChunkSize;
  unsigned threads = 0;
  HttpOptions http;
};

// SOURCE… (positional), the trust options, --threads (`threads_what` says
// what they do) and the transfer options.
void AddSourceOptions(boost::program_options::options_description* d,
                      boost::program_options::positional_options_description* pos,
                      const char* threads_what);
// Parses them; `usage` is the hint printed when no source is given. On a
// malformed value prints a usage error and returns its exit code.
std::optional<int> ParseSourceArgs(const boost::program_options::variables_map& vm,
                                   const char* usage, SourceArgs* out);
// OpenSources, or the printed failure's exit code (2 for a store that cannot
// say which checkpoint, else 1). *dir as OpenSources.
std::optional<int> OpenSourcesOrFail(const SourceArgs& args, std::unique_ptr<ChunkSource>* source,
                                     std::string* dir);
// One line a problem, on stdout: "chunk 2: corrupt: …" or "manifest: invalid: …".
void PrintProblems(const std::vector<ChunkProblem>& problems);

// --connections, --min-speed, --slow-after, --insecure.
void AddTransferOptions(boost::program_options::options_description* d);
// Fills `options` (threads: the command's, for the default connections); on a
// malformed value prints a usage error and returns its exit code.
std::optional<int> ParseTransferOptions(const boost::program_options::variables_map& vm,
                                        unsigned threads, HttpOptions* options);

// --height N|latest: N is also an anchor check; `latest` only picks.
std::optional<int> ParseHeightPick(const boost::program_options::variables_map& vm,
                                   CheckpointPick* pick);

// A progress line on stderr while a source works (only when `enabled`: a
// TTY and no --json): chunks, rate, ETA, mirrors live and dropped. Redrawn
// twice a second by its own thread; erased when destroyed.
class ProgressLine {
 public:
  ProgressLine(const ChunkSource* source, bool enabled);
  ~ProgressLine();

 private:
  void Draw();
  const ChunkSource* source_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

// One line a mirror, on stdout.
void PrintMirrors(const std::vector<MirrorReport>& mirrors);
nlohmann::json MirrorsJson(const std::vector<MirrorReport>& mirrors);

}  // namespace checkpoint::cli
