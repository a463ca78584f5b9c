// The store commands: list, prune, pin, unpin. Each changes the store only
// under its lock.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/sign.h"
#include "checkpoint/source.h"
#include "checkpoint/store.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/sources.h"
#include "cli/trust.h"

namespace po = boost::program_options;

namespace checkpoint::cli {
namespace {

int LockFailure(const Status& s) { return Fail(s.IsBusy() ? kExitBusy : kExitError, s.message()); }

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings)
    std::fprintf(stderr, "checkpoint: warning: %s\n", w.c_str());
}

// A store served by a mirror: its index.json, a hint nobody checked.
int ListRemote(const std::string& url, const po::variables_map& vm) {
  HttpOptions http;
  if (auto code = ParseTransferOptions(vm, 0, &http)) return *code;
  Result<std::vector<IndexEntry>> index = ReadStoreIndex(url, http);
  if (!index.ok()) return Fail(index.status());
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (vm["json"].as<bool>()) {
    nlohmann::json cps = nlohmann::json::array();
    for (const IndexEntry& e : *index) {
      cps.push_back(
          {{"height", e.height},
           {"root", e.root},
           {"id", e.id},
           {"path", base + "/" + e.name() + "/"},
           {"pinned", e.pinned},
           {"chunks", e.chunks},
           {"bytes", e.bytes},
           {"created", e.created},
           {"magnet", e.magnet.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.magnet)}});
    }
    PrintJson(nlohmann::json{{"checkpoints", cps}, {"leftovers", nlohmann::json::array()}});
    return kExitOk;
  }
  for (const IndexEntry& e : *index) {
    std::cout << e.height << "  " << e.id.substr(0, 12) << "  root " << e.root.substr(0, 12) << "  "
              << e.chunks << " chunks  " << e.bytes << " bytes  "
              << (e.created.empty() ? "-" : e.created) << (e.pinned ? "  pinned" : "") << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunList(const Args& args) {
  po::options_description d("list");
  AddJsonOption(&d);
  AddTransferOptions(&d);
  d.add_options()("store", po::value<std::string>(),
                  "checkpoint store: a directory, or the URL of one a mirror serves "
                  "(its index.json, unverified)");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("list", args, d, pos, &vm)) return *code;
  if (!vm.count("store")) return Fail(kExitUsage, "list: which store? (checkpoint list STORE)");
  const std::string store = vm["store"].as<std::string>();
  if (store.find("://") != std::string::npos) return ListRemote(store, vm);
  auto listing = ListStore(store);
  if (!listing.ok()) return Fail(listing.status());
  PrintWarnings(listing->warnings);
  if (vm["json"].as<bool>()) {
    nlohmann::json cps = nlohmann::json::array(), left = nlohmann::json::array();
    for (const StoredCheckpoint& c : listing->checkpoints) {
      uint64_t raw = 0;
      for (const auto& ch : c.manifest.chunks) raw += ch.raw_size;
      nlohmann::json j = {{"height", c.manifest.height},
                          {"root", ToHex(c.manifest.root)},
                          {"id", ToHex(c.id)},
                          {"path", c.path},
                          {"pinned", c.pinned},
                          {"chunks", c.manifest.chunks.size()},
                          {"bytes", c.bytes},
                          {"raw_bytes", raw},
                          {"created", c.created},
                          {"format_version", c.manifest.format_version},
                          {"chunk_size", c.manifest.chunk_size}};
      if (c.pinned) j["pin_reason"] = c.pin_reason;
      if (c.manifest.base) {
        j["base"] = {{"height", c.manifest.base->height},
                     {"root", ToHex(c.manifest.base->root)},
                     {"id", c.manifest.base->id ? nlohmann::json(ToHex(*c.manifest.base->id))
                                                : nlohmann::json(nullptr)}};
      }
      j["signatures"] = SignersJson(c.signatures);
      cps.push_back(j);
    }
    for (const Leftover& l : listing->leftovers)
      left.push_back({{"path", l.path}, {"kind", l.kind}});
    PrintJson(nlohmann::json{{"checkpoints", cps}, {"leftovers", left}});
    return kExitOk;
  }
  for (const StoredCheckpoint& c : listing->checkpoints) {
    std::cout << c.manifest.height << "  " << ToHex(c.id).substr(0, 12) << "  root "
              << ToHex(c.manifest.root).substr(0, 12) << "  " << c.manifest.chunks.size()
              << " chunks  " << c.bytes << " bytes  v" << c.manifest.format_version << "  "
              << (c.manifest.base
                      ? "delta from " + std::to_string(c.manifest.base->height) +
                            (c.manifest.base->id
                                 ? " (" + ToHex(*c.manifest.base->id).substr(0, 12) + ")"
                                 : std::string()) +
                            "  "
                      : std::string())
              << (c.created.empty() ? "-" : c.created)
              << (c.signatures.empty() ? "" : "  signed: " + DescribeSigners(c.signatures))
              << (c.pinned ? "  pinned: " + c.pin_reason : "") << "\n";
  }
  for (const Leftover& l : listing->leftovers) {
    // Only what a crashed run left is removed by the next one; a damaged
    // checkpoint stays until someone looks (or a create of its content replaces it).
    if (l.kind == "partial") {
      std::cout << "partial download (the same 'checkpoint fetch' resumes it; delete it to give "
                   "up): "
                << l.path << "\n";
    } else if (l.kind == "swarm") {
      std::cout << "partial swarm download (the same command with --keep-files resumes it; "
                   "delete it to give up): "
                << l.path << "\n";
    } else if (l.kind == "incomplete") {
      std::cout << "incomplete (damaged or unfinished; not removed automatically, see 'checkpoint "
                   "verify'): "
                << l.path << "\n";
    } else {
      std::cout << "leftover (" << l.kind
                << ", removed by the next run that takes the store lock): " << l.path << "\n";
    }
  }
  return kExitOk;
}

int RunPrune(const Args& args) {
  po::options_description d("prune");
  d.add_options()("store", po::value<std::string>(), "checkpoint store directory")(
      "keep-last", po::value<std::string>(), "keep the newest N unpinned checkpoints")(
      "keep-every", po::value<std::string>(),
      "and every checkpoint whose height is a multiple of K")(
      "dry-run", po::bool_switch(), "list what would be deleted, delete nothing")(
      "sign", po::value<std::string>(), "then sign index.json with this secret key")(
      "wait", po::value<std::string>(), "wait up to SECONDS for the store lock");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("prune", args, d, pos, &vm)) return *code;
  if (!vm.count("store"))
    return Fail(kExitUsage, "prune: which store? (checkpoint prune STORE --keep-last N)");
  Retention rule;
  if (auto code = RequireU64(vm, "keep-last", &rule.keep_last)) return *code;
  if (vm.count("keep-every")) {
    auto k = ParseU64(vm["keep-every"].as<std::string>());
    if (!k || *k == 0) return Fail(kExitUsage, "--keep-every takes a positive whole number");
    rule.keep_every = *k;
  }
  double wait = 0;
  if (auto c = ParseWait(vm, &wait)) return *c;
  const std::string sign_key = vm.count("sign") ? vm["sign"].as<std::string>() : "";
  if (!sign_key.empty()) {
    Status s = CheckSecretKeyFile(sign_key);
    if (!s.ok()) return Fail(kExitUsage, "--sign " + sign_key + ": " + s.message());
  }
  const std::string store = vm["store"].as<std::string>();
  if (!std::filesystem::is_directory(store)) return Fail(kExitError, "no store at " + store);
  auto lock = StoreLock::Acquire(store, wait);
  if (!lock.ok()) return LockFailure(lock.status());
  const bool dry = vm["dry-run"].as<bool>();
  RetentionReport report;
  Status s = ApplyRetention(store, *lock, rule, dry, &report);
  PrintWarnings(report.warnings);
  for (const StoredCheckpoint& c : report.deleted)
    std::cout << (dry ? "would delete " : "deleted ") << c.path << "\n";
  for (const std::string& why : report.kept_as_base) std::cout << "kept " << why << "\n";
  if (!s.ok()) return Fail(s);
  if (!sign_key.empty() && !dry) {
    Result<SignResult> signed_index = SignStoreIndex(store, *lock, sign_key);
    if (!signed_index.ok()) return Fail(signed_index.status());
  }
  return kExitOk;
}

int RunPinCommand(const Args& args, bool pin) {
  po::options_description d(pin ? "pin" : "unpin");
  d.add_options()("checkpoint", po::value<std::string>(), "checkpoint directory")(
      "wait", po::value<std::string>(), "wait up to SECONDS for the store lock");
  if (pin) d.add_options()("reason", po::value<std::string>()->default_value(""), "why it is kept");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (auto code = ParseArgs(pin ? "pin" : "unpin", args, d, pos, &vm)) return *code;
  if (!vm.count("checkpoint")) return Fail(kExitUsage, "which checkpoint?");
  double wait = 0;
  if (auto c = ParseWait(vm, &wait)) return *c;
  if (pin && vm["reason"].as<std::string>().find_first_of("\r\n") != std::string::npos) {
    return Fail(kExitUsage,
                "--reason must be one line");  // list shows one line; nothing is cut silently
  }
  auto ckpt = ResolveCheckpoint(vm["checkpoint"].as<std::string>());
  if (!ckpt.ok()) return Fail(ckpt.status());
  auto lock = StoreLock::Acquire(StoreOf(*ckpt), wait);
  if (!lock.ok()) return LockFailure(lock.status());
  Status s = pin ? Pin(*ckpt, *lock, vm["reason"].as<std::string>()) : Unpin(*ckpt, *lock);
  if (!s.ok()) return Fail(s);
  std::cout << (pin ? "pinned " : "unpinned ") << *ckpt << "\n";
  return kExitOk;
}

int RunPin(const Args& args) { return RunPinCommand(args, true); }
int RunUnpin(const Args& args) { return RunPinCommand(args, false); }

}  // namespace checkpoint::cli
