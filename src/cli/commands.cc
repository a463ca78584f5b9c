// The command table (ninja's kTools[] shape): name, summary, entry point.
#include "cli/command.h"

namespace checkpoint::cli {

int RunStateApply(const Args& args);
int RunStateDump(const Args& args);
int RunStateInfo(const Args& args);
int RunStatePrune(const Args& args);
int RunCreate(const Args& args);
int RunVerify(const Args& args);
int RunRestore(const Args& args);
int RunFetch(const Args& args);
int RunList(const Args& args);
int RunPrune(const Args& args);
int RunPin(const Args& args);
int RunUnpin(const Args& args);
int RunInspect(const Args& args);
int RunKeygen(const Args& args);
int RunSign(const Args& args);
int RunSeed(const Args& args);
int RunPublish(const Args& args);

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"state apply", "commit a write log as a new height (creates the database)", RunStateApply},
      {"state dump", "print one height as a write log of puts, in key order", RunStateDump},
      {"state info", "heights, roots, hash function and size of a database", RunStateInfo},
      {"state prune", "drop heights below N and the nodes only they reach", RunStatePrune},
      {"create", "checkpoint a height into a store: chunks with proofs and a manifest", RunCreate},
      {"verify", "check every chunk of a checkpoint against a trusted root or id", RunVerify},
      {"restore", "rebuild a state database from a checkpoint (resumable)", RunRestore},
      {"fetch", "download a checkpoint from mirrors into a local store, verified", RunFetch},
      {"list", "the checkpoints of a store, and leftovers of crashed runs", RunList},
      {"prune", "delete old checkpoints: keep the newest N, every K-th, and pins", RunPrune},
      {"pin", "keep a checkpoint out of pruning", RunPin},
      {"unpin", "let pruning take a checkpoint again", RunUnpin},
      {"inspect", "a checkpoint's manifest, or one chunk, in human form", RunInspect},
      {"keygen", "make an operator key pair (Ed25519, minisign's file formats)", RunKeygen},
      {"sign", "sign a checkpoint's manifest with an operator key (minisign-compatible)", RunSign},
      {"publish", "write CKPT/checkpoint.torrent (hybrid v1+v2, deterministic); print its magnet",
       RunPublish},
      {"seed", "seed a store's published checkpoints to a BitTorrent swarm", RunSeed},
  };
  return kCommands;
}

}  // namespace checkpoint::cli
