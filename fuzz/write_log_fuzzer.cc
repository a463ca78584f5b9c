// A write log from a file or stdin: parse; what parses must sort and fold.
#include <cstdint>
#include <sstream>
#include <string>

#include "checkpoint/write_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  auto log = checkpoint::WriteLog::Parse(in);
  if (!log.ok()) return 0;
  auto sorted = log->Sorted();
  checkpoint::Update u;
  std::string last;
  bool first = true;
  while (sorted->Next(&u)) {
    if (!first && !(last < u.key)) __builtin_trap();  // strictly increasing
    last.assign(u.key);
    first = false;
  }
  return 0;
}
