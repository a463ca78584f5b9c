#include "cli/command.h"

#include <cerrno>
#include <cstdio>
#include <iostream>

#include "cli/help.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int Fail(int code, const std::string& message) {
  // One line of bounded length, whatever a hostile input put into the message.
  constexpr size_t kMaxErrorLine = 400;
  std::string line = message.substr(0, kMaxErrorLine);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (message.size() > kMaxErrorLine) line += "…";
  std::fprintf(stderr, "checkpoint: %s\n", line.c_str());
  return code;
}

int Fail(const Status& status) {
  return Fail(status.IsUntrusted() ? kExitVerifyFailed : kExitError, status.message());
}

int FailStoreCommand(const Status& s) {
  return Fail(s.IsBusy()              ? kExitBusy
              : s.IsInvalidArgument() ? kExitUsage
              : s.IsUntrusted()       ? kExitVerifyFailed
                                      : kExitError,
              s.message());
}

std::optional<int> ParseArgs(const char* command, const Args& args,
                             const po::options_description& options,
                             const po::positional_options_description& pos, po::variables_map* vm) {
  // Help first: a command with a required option must still explain itself.
  if (WantsHelp(args)) {
    PrintCommandHelp(command, options, pos);
    return kExitOk;
  }
  try {
    po::store(po::command_line_parser(args).options(options).positional(pos).run(), *vm);
    po::notify(*vm);
  } catch (const po::error& e) {
    return Fail(kExitUsage, std::string(command) + ": " + e.what() + " (see 'checkpoint " +
                                command + " --help')");
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseU64(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::optional<uint64_t> ParseSize(const std::string& s) {
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};
  for (const auto& [suffix, mult] : kUnits) {
    const std::string suf = suffix;
    if (s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0) {
      auto n = ParseU64(s.substr(0, s.size() - suf.size()));
      if (!n || *n > UINT64_MAX / mult) return std::nullopt;
      return *n * mult;
    }
  }
  return ParseU64(s);
}

std::optional<int> RequireU64(const po::variables_map& vm, const char* name, uint64_t* value) {
  if (!vm.count(name)) return Fail(kExitUsage, std::string("missing --") + name);
  std::optional<uint64_t> v = ParseU64(vm[name].as<std::string>());
  if (!v) {
    return Fail(kExitUsage, std::string("--") + name + " takes a whole number, not '" +
                                vm[name].as<std::string>() + "'");
  }
  *value = *v;
  return std::nullopt;
}

bool WriteOut(std::string_view s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) == s.size()) return true;
  return false;
}

void AddDbOption(po::options_description* d) {
  d->add_options()("db", po::value<std::string>()->required(), "state database directory");
}

void AddThreadsOption(po::options_description* d, const char* what) {
  d->add_options()("threads", po::value<std::string>(), what);
}

std::optional<int> ParseThreads(const po::variables_map& vm, unsigned* threads) {
  *threads = 0;
  if (!vm.count("threads")) return std::nullopt;
  auto t = ParseU64(vm["threads"].as<std::string>());
  if (!t || *t == 0 || *t > kMaxThreads) {
    return Fail(kExitUsage, "--threads takes a number from 1 to " + std::to_string(kMaxThreads));
  }
  *threads = static_cast<unsigned>(*t);
  return std::nullopt;
}

std::optional<int> ParseWait(const po::variables_map& vm, double* wait) {
  if (!vm.count("wait")) return std::nullopt;
  auto w = ParseU64(vm["wait"].as<std::string>());
  if (!w) return Fail(kExitUsage, "--wait takes whole seconds");
  *wait = static_cast<double>(*w);
  return std::nullopt;
}

void AddJsonOption(po::options_description* d) {
  d->add_options()("json", po::bool_switch(), "print one JSON object");
}

}  // namespace checkpoint::cli
