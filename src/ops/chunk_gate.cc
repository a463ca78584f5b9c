#include "ops/chunk_gate.h"

#include <string>

namespace checkpoint {

void ChunkGate::Reset(std::vector<bool> in) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ = std::move(in);
}

std::vector<size_t> ChunkGate::Remaining() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<size_t> out;
  for (size_t i = 0; i < done_.size(); ++i) {
    if (!done_[i]) out.push_back(i);
  }
  return out;
}

Status ChunkGate::Add(size_t index, ChunkCheck* check,
                      const std::function<Status()>& check_and_add) {
  if (index >= done_.size()) {
    *check = {ChunkClass::kInvalid, "no chunk " + std::to_string(index) + " in the manifest"};
    return Status::OK();
  }
  {
    // Another copy being checked may be a forgery: wait for its verdict, and
    // check this copy if that one failed.
    std::unique_lock<std::mutex> lock(mu_);
    settled_.wait(lock, [&] { return !in_flight_[index]; });
    if (done_[index]) {
      *check = {};
      return Status::OK();
    }
    in_flight_[index] = true;
  }
  // Settled however check_and_add ends (an exception too): a copy left
  // in flight forever would hang every later copy.
  struct Settle {
    ChunkGate* gate;
    size_t index;
    bool in = false;
    ~Settle() {
      {
        std::lock_guard<std::mutex> lock(gate->mu_);
        gate->in_flight_[index] = false;
        if (in) gate->done_[index] = true;
      }
      gate->settled_.notify_all();
    }
  } settle{this, index};
  Status s = check_and_add();
  settle.in = s.ok() && check->cls == ChunkClass::kOk;
  return s;
}

}  // namespace checkpoint
