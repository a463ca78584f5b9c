// checkpoint: the command-line tool. Dispatches to one file per subcommand.
#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/command.h"
#include "cli/help.h"

namespace checkpoint::cli {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

int Main(int argc, char** argv) {
  // A closed pipe (`state dump | head`) must not kill us mid-write; writes
  // then fail with EPIPE and the command stops quietly.
  std::signal(SIGPIPE, SIG_IGN);
  // Chunk-sized buffers (a chunk file, its decompressed bytes, its records)
  // come and go per chunk. By default glibc maps each from the kernel and
  // returns it on free, so every chunk pays fresh zeroed pages — 8 % of a
  // restore's cpu in page faults. Kept in the heap, they are reused: memory
  // stays bounded by the chunks in flight (bench/RESULTS.md, "Restore's costs").
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  Args args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      (args[0] == "help" && args.size() == 1)) {
    PrintMainHelp();
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    PrintVersion();
    return kExitOk;
  }
  if (args[0] == "help") {  // "help COMMAND": that command's --help
    args.erase(args.begin());
    args.push_back("--help");
  }
  // Two-word commands first ("state apply"), then one-word ones.
  for (size_t words = 2; words >= 1; --words) {
    if (args.size() < words) continue;
    std::string name = args[0];
    for (size_t i = 1; i < words; ++i) name += " " + args[i];
    for (const Command& c : Commands()) {
      if (name == c.name) return c.run(Args(args.begin() + words, args.end()));
    }
  }
  std::string typed = args[0] + (args.size() > 1 && args[0] == "state" ? " " + args[1] : "");
  const Command* best = nullptr;
  size_t best_distance = 3;
  for (const Command& c : Commands()) {
    size_t d = EditDistance(typed, c.name);
    if (d < best_distance) best = &c, best_distance = d;
  }
  std::string msg = "unknown command '" + typed + "'";
  if (best) msg += ", did you mean '" + std::string(best->name) + "'?";
  return Fail(kExitUsage, msg + " (see 'checkpoint --help')");
}

}  // namespace checkpoint::cli

int main(int argc, char** argv) {
  int code = checkpoint::cli::kExitError;
  // Nothing escapes as an abort (exit 134): a bug still ends in one line.
  try {
    code = checkpoint::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "checkpoint: internal error: %s\n", e.what());
    return checkpoint::cli::kExitError;
  } catch (...) {
    std::fflush(stdout);
    std::fprintf(stderr, "checkpoint: internal error: unknown exception\n");
    return checkpoint::cli::kExitError;
  }
  if (std::fflush(stdout) != 0 && errno != EPIPE) {
    std::fprintf(stderr, "checkpoint: cannot write output\n");
    return checkpoint::cli::kExitError;
  }
  return code;
}
