// --metrics-file: a Prometheus textfile-collector file, written atomically
// after every run, so node_exporter users can alert on a cron job that
// stopped succeeding.
#pragma once

#include <cstdint>
#include <string>

#include "checkpoint/status.h"

namespace checkpoint::cli {

struct RunMetrics {
  int exit_code = 0;
  double seconds = 0;
  // Set on success only; a failed run keeps the previous success's values.
  bool success = false;
  uint64_t height = 0;
  uint64_t bytes = 0;
  uint64_t chunks = 0;
};

Status WriteMetricsFile(const std::string& path, const RunMetrics& m);

}  // namespace checkpoint::cli
