// What `--help`, `help` and `--version` print: the command list (from the
// command table), one command's usage (from its option table), the exit codes.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace checkpoint::cli {

// "usage: checkpoint COMMAND …", the commands of the table and how to get more.
void PrintMainHelp();
// "checkpoint VERSION" (meson.build's project version).
void PrintVersion();
// "usage: checkpoint verify CKPT [options]", each option with its default, the
// exit codes. Positionals come from `pos`; options marked required() appear in
// the usage line.
void PrintCommandHelp(const char* command,
                      const boost::program_options::options_description& options,
                      const boost::program_options::positional_options_description& pos);
// True if `args` asks for help (--help or -h before a "--").
bool WantsHelp(const std::vector<std::string>& args);

}  // namespace checkpoint::cli
