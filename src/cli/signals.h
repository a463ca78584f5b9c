// SIGINT and SIGTERM (what systemd sends on stop) set a flag that long
// operations poll: they stop, clean up (staging, lock) and exit 130.
#pragma once

#include <atomic>

namespace checkpoint::cli {

void InstallInterruptHandlers();
const std::atomic<bool>* InterruptFlag();

}  // namespace checkpoint::cli
