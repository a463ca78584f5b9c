// Command-line plumbing shared by every subcommand: the command table, option
// parsing with one-line usage errors, and output helpers.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/status.h"
#include "cli/exit_codes.h"

namespace checkpoint::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;  // "state apply"
  const char* summary;
  int (*run)(const Args& args);
};

// Every subcommand, in help order.
const std::vector<Command>& Commands();

// Prints "checkpoint: MESSAGE" to stderr and returns `code`.
int Fail(int code, const std::string& message);
// The exit code for a failed library call: 1 with its message (3 for Untrusted).
int Fail(const Status& status);
// For a store command's result: Busy exits 75 (the lock), InvalidArgument 2
// (what the user gave), Untrusted 3, anything else 1.
int FailStoreCommand(const Status& status);

// Every Parse…/Require… below that checks an option reports failure one way:
// it prints the usage error and returns the exit code to end with; nullopt
// means success, and the value went through the out pointer.

// Parses `args` against `options` (and positional names). On a usage error
// prints it and returns kExitUsage; on --help (looked for first, so a missing
// required option does not hide the help) prints usage and returns 0;
// otherwise returns nullopt and fills `vm`.
std::optional<int> ParseArgs(const char* command, const Args& args,
                             const boost::program_options::options_description& options,
                             const boost::program_options::positional_options_description& pos,
                             boost::program_options::variables_map* vm);

// "8MiB", "4096", "16KiB", "1GiB", "100B".
std::optional<uint64_t> ParseSize(const std::string& s);
// Strict decimal u64 ("-1", "1e3", "" and overflow are rejected).
std::optional<uint64_t> ParseU64(const std::string& s);
// A u64 option that must be present.
std::optional<int> RequireU64(const boost::program_options::variables_map& vm, const char* name,
                              uint64_t* value);

// Writes to stdout; false on error (EPIPE: the reader left, which callers
// treat as success).
bool WriteOut(std::string_view s);

// Options shared by several commands, defined once.
void AddDbOption(boost::program_options::options_description* d);
void AddJsonOption(boost::program_options::options_description* d);
void AddThreadsOption(boost::program_options::options_description* d, const char* what);
// --threads: 1..kMaxThreads; 0 (cores) when absent.
inline constexpr unsigned kMaxThreads = 1024;  // a typo's guard, far above any machine's cores
std::optional<int> ParseThreads(const boost::program_options::variables_map& vm, unsigned* threads);
// --wait SECONDS (whole seconds, for the store lock); `wait` is left alone when absent.
std::optional<int> ParseWait(const boost::program_options::variables_map& vm, double* wait);

}  // namespace checkpoint::cli
