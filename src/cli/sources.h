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
