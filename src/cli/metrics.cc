#include "cli/metrics.h"

#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>

#include "ops/files.h"

namespace checkpoint::cli {
namespace {

// Values of the previous file, to carry the last success over a failure.
std::map<std::string, std::string> ReadPrevious(const std::string& path) {
  std::map<std::string, std::string> out;
  std::string text;
  if (!ReadFileBounded(path, 1 << 20, &text).ok()) return out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.find(' ');
    if (space != std::string::npos) out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

}  // namespace

Status WriteMetricsFile(const std::string& path, const RunMetrics& m) {
  CHECKPOINT_RETURN_IF_ERROR(RequireRegularOrAbsent(path));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto prev = ReadPrevious(path);
  std::map<std::string, std::string> success = {
      {"checkpoint_last_success_timestamp_seconds",
       prev["checkpoint_last_success_timestamp_seconds"]},
      {"checkpoint_last_success_height", prev["checkpoint_last_success_height"]},
      {"checkpoint_last_success_bytes", prev["checkpoint_last_success_bytes"]},
      {"checkpoint_last_success_chunks", prev["checkpoint_last_success_chunks"]}};
  if (m.success) {
    success["checkpoint_last_success_timestamp_seconds"] = std::to_string(now);
    success["checkpoint_last_success_height"] = std::to_string(m.height);
    success["checkpoint_last_success_bytes"] = std::to_string(m.bytes);
    success["checkpoint_last_success_chunks"] = std::to_string(m.chunks);
  }
  std::ostringstream out;
  auto gauge = [&](const std::string& name, const std::string& help, const std::string& value) {
    if (value.empty()) return;
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
        << name << " " << value << "\n";
  };
  gauge("checkpoint_last_run_timestamp_seconds", "When the last checkpoint create run ended.",
        std::to_string(now));
  gauge("checkpoint_last_run_exit_code",
        "Exit code of the last run (0 ok, 75 lock busy, 130 interrupted).",
        std::to_string(m.exit_code));
  gauge("checkpoint_last_run_duration_seconds", "Duration of the last run.",
        std::to_string(m.seconds));
  gauge("checkpoint_last_success_timestamp_seconds", "When a run last succeeded.",
        success["checkpoint_last_success_timestamp_seconds"]);
  gauge("checkpoint_last_success_height", "Height of the last successful checkpoint.",
        success["checkpoint_last_success_height"]);
  gauge("checkpoint_last_success_bytes", "Chunk bytes on disk of the last successful checkpoint.",
        success["checkpoint_last_success_bytes"]);
  gauge("checkpoint_last_success_chunks", "Chunks of the last successful checkpoint.",
        success["checkpoint_last_success_chunks"]);
  // Atomic (node_exporter must never read half a file), and never over a
  // device, directory, FIFO or link, nor through a planted temporary.
  return ReplaceFileAtomically(path, out.str());
}

}  // namespace checkpoint::cli
