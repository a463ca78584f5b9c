// checkpoint state dump --db DIR --height N
#include "checkpoint/state_db.h"
#include "checkpoint/write_log.h"
#include "cli/command.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunStateDump(const Args& args) {
  po::options_description d("state dump");
  AddDbOption(&d);
  d.add_options()("height", po::value<std::string>(), "height to dump");
  po::variables_map vm;
  if (auto code = ParseArgs("state dump", args, d, {}, &vm)) return *code;
  uint64_t height = 0;
  if (auto code = RequireU64(vm, "height", &height)) return *code;
  StateDbOptions options;
  options.read_only = true;  // a dump never blocks the database's writer
  auto db = StateDb::Open(vm["db"].as<std::string>(), options);
  if (!db.ok()) return Fail(db.status());
  auto view = (*db)->View(height);
  if (!view.ok()) return Fail(view.status());
  auto it = (*view)->NewIterator();
  std::string out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out += FormatPutLine(it->key(), it->value());
    out += '\n';
    if (out.size() >= (1 << 20)) {
      if (!WriteOut(out)) return errno == EPIPE ? kExitOk : Fail(kExitError, "cannot write output");
      out.clear();
    }
  }
  if (!it->status().ok()) return Fail(it->status());
  if (!WriteOut(out)) return errno == EPIPE ? kExitOk : Fail(kExitError, "cannot write output");
  return kExitOk;
}

}  // namespace checkpoint::cli
