#include "cli/help.h"

#include <boost/any.hpp>
#include <cstdio>
#include <map>
#include <set>

#include "checkpoint/version.h"
#include "cli/command.h"

namespace po = boost::program_options;

namespace checkpoint::cli {
namespace {

// How an option's value is called in help ("--db DIR"), by option name. Names
// not listed show as VALUE.
const char* ValueName(const std::string& option) {
  static const std::map<std::string, const char*> kNames = {
      {"db", "DIR"},
      {"out", "STORE"},
      {"height", "N"},
      {"threads", "T"},
      {"root", "HEX"},
      {"id", "HEX"},
      {"chunk-size", "SIZE"},
      {"max-chunk-size", "SIZE"},
      {"interval", "K"},
      {"keep", "N"},
      {"keep-last", "N"},
      {"keep-every", "K"},
      {"wait", "SECONDS"},
      {"metrics-file", "FILE"},
      {"format-version", "V"},
      {"zstd-level", "LEVEL"},
      {"below", "N"},
      {"hash", "NAME"},
      {"chunk", "I"},
      {"reason", "TEXT"},
      {"checkpoint", "CKPT"},
      {"store", "STORE"},
      {"file", "FILE|-"},
      {"source", "SOURCE"},
      {"connections", "N"},
      {"min-speed", "RATE"},
      {"slow-after", "SECONDS"},
      {"key", "FILE"},
      {"comment", "TEXT"},
  };
  auto it = kNames.find(option);
  return it == kNames.end() ? "VALUE" : it->second;
}

// The default of an option as text, or "" if it has none.
std::string DefaultText(const po::option_description& o) {
  boost::any v;
  if (!o.semantic()->apply_default(v)) return "";
  if (const auto* s = boost::any_cast<std::string>(&v)) return s->empty() ? "\"\"" : *s;
  if (const auto* b = boost::any_cast<bool>(&v)) return *b ? "on" : "off";
  if (const auto* i = boost::any_cast<int>(&v)) return std::to_string(*i);
  if (const auto* u = boost::any_cast<unsigned>(&v)) return std::to_string(*u);
  if (const auto* u = boost::any_cast<uint64_t>(&v)) return std::to_string(*u);
  return "";
}

void PrintExitCodes() {
  std::printf(
      "\nexit codes:\n"
      "  %-4d success\n"
      "  %-4d error (one line on stderr says what)\n"
      "  %-4d usage error\n"
      "  %-4d verification failed: the checkpoint does not match its root, id or manifest\n"
      "  %-4d the store lock is held by another run (try --wait where offered)\n"
      "  %-4d interrupted (SIGINT/SIGTERM); a rerun resumes or starts clean\n",
      kExitOk, kExitError, kExitUsage, kExitVerifyFailed, kExitBusy, kExitInterrupted);
}

}  // namespace

bool WantsHelp(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

void PrintMainHelp() {
  std::printf("usage: checkpoint COMMAND [options]\n\ncommands:\n");
  for (const Command& c : Commands()) std::printf("  %-16s %s\n", c.name, c.summary);
  std::printf(
      "\n  checkpoint COMMAND --help   a command's options and defaults\n"
      "  checkpoint help COMMAND     the same\n"
      "  checkpoint --version        the version\n");
  PrintExitCodes();
}

void PrintVersion() { std::printf("checkpoint %s\n", kVersion); }

void PrintCommandHelp(const char* command, const po::options_description& options,
                      const po::positional_options_description& pos) {
  std::set<std::string> positional;
  std::string usage = std::string("usage: checkpoint ") + command;
  const unsigned max_positions = pos.max_total_count();
  const unsigned shown = max_positions > 16 ? 1 : max_positions;  // unbounded: NAME…
  for (unsigned i = 0; i < shown; ++i) {
    const std::string& name = pos.name_for_position(i);
    if (!positional.insert(name).second) continue;
    const po::option_description* o = options.find_nothrow(name, false);
    std::string shown_name = ValueName(name);
    if (max_positions > 16) shown_name += "…";
    usage += " " + (o && !DefaultText(*o).empty() ? "[" + shown_name + "]" : shown_name);
  }
  for (const auto& o : options.options()) {
    if (o->semantic()->is_required() && !positional.count(o->long_name())) {
      usage += " --" + o->long_name() + " " + ValueName(o->long_name());
    }
  }
  std::printf("%s [options]\n\n", usage.c_str());
  for (const std::string& name : positional) {
    const po::option_description* o = options.find_nothrow(name, false);
    if (o) std::printf("  %-24s %s\n", ValueName(name), o->description().c_str());
  }
  std::printf("%soptions:\n", positional.empty() ? "" : "\n");
  for (const auto& o : options.options()) {
    if (positional.count(o->long_name())) continue;
    std::string left = "--" + o->long_name();
    if (o->semantic()->max_tokens() > 0) left += std::string(" ") + ValueName(o->long_name());
    std::string text = o->description();
    if (text.find("default") == std::string::npos) {
      const std::string def = DefaultText(*o);
      if (o->semantic()->is_required()) {
        text += " (required)";
      } else {
        text += " (default: " + (def.empty() ? std::string("none") : def) + ")";
      }
    }
    std::printf("  %-24s %s\n", left.c_str(), text.c_str());
  }
  std::printf("  %-24s %s\n", "-h, --help", "show this help");
  PrintExitCodes();
}

}  // namespace checkpoint::cli
