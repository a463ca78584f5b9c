// DiffTriesParallel: DiffTries over key ranges on several threads, emitted
// in key order from the caller's thread.
//
// The ranges start at the subtrees of the target's top levels, cut until
// there are several per thread (by leaf count), so each holds a similar
// share of the keys; the changes are wherever they are, and small ranges
// even that out. Workers take ranges in order and start one only within a
// window of the range being emitted, and each buffers a bounded number of
// bytes ahead: memory is window × buffer, whatever the delta's size.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "chunk/format.h"
#include "delta/diff.h"

namespace checkpoint {
namespace {

struct OwnedChange {
  std::string key, value;
  bool is_delete;
};

// Key ranges that cut `target`'s key space into about `parts` pieces.
Status SplitRanges(NodeReader* reader, const NodeRef& target, size_t parts, uint64_t min_leaves,
                   std::vector<DiffRange>* out) {
  struct Piece {
    NodeRef ref;
    BitString path;  // internal: the node's path
    std::string start() const {
      return ref.kind == NodeKind::kLeaf ? std::string(ref.leaf_key()) : RegionStart(path);
    }
  };
  std::vector<Piece> pieces;
  if (target.kind == NodeKind::kInternal) pieces.push_back({target, target.bits});
  // Split the piece with the most leaves until there are enough; leaves
  // cannot be split (nor subtrees worth it below min_leaves keys).
  while (pieces.size() < parts) {
    size_t best = pieces.size();
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (pieces[i].ref.kind == NodeKind::kInternal && pieces[i].ref.stats.leaves >= min_leaves &&
          (best == pieces.size() || pieces[i].ref.stats.leaves > pieces[best].ref.stats.leaves)) {
        best = i;
      }
    }
    if (best == pieces.size()) break;
    InternalNode node;
    CHECKPOINT_RETURN_IF_ERROR(reader->ReadInternal(pieces[best].path, pieces[best].ref, &node));
    std::vector<Piece> below;  // in key order
    if (node.slot.present()) below.push_back({node.slot, {}});
    for (NodeRef* child : {&node.left, &node.right}) {
      if (child->present()) below.push_back({*child, ChildPath(pieces[best].path, *child)});
    }
    pieces.erase(pieces.begin() + static_cast<long>(best));
    pieces.insert(pieces.begin() + static_cast<long>(best), below.begin(), below.end());
  }
  out->assign(1, DiffRange{});
  for (size_t i = 1; i < pieces.size(); ++i) {
    std::string start = pieces[i].start();
    if (start <= out->back().lo) continue;
    out->back().has_hi = true;
    out->back().hi = start;
    out->push_back(DiffRange{std::move(start), false, {}});
  }
  return Status::OK();
}

class ParallelDiff {
 public:
  ParallelDiff(const std::function<std::unique_ptr<NodeReader>()>& new_reader, HashKind kind,
               const NodeRef& base, const NodeRef& target, unsigned threads,
               std::vector<DiffRange> ranges, size_t buffer_bytes)
      : new_reader_(new_reader),
        kind_(kind),
        base_(base),
        target_(target),
        threads_(threads),
        window_(2 * threads),
        buffer_bytes_(std::max<size_t>(buffer_bytes, 1)),
        ranges_(std::move(ranges)),
        parts_(ranges_.size()) {}

  Status Run(const std::function<Status(const Change&)>& emit) {
    // Stops and joins the workers however this returns (an exception from
    // emit included: a running std::thread must not be destroyed).
    struct Joiner {
      ParallelDiff* self;
      std::vector<std::thread> workers;
      ~Joiner() {
        self->Stop(Status::OK());
        for (std::thread& w : workers) w.join();
      }
    } joiner{this, {}};
    for (unsigned t = 0; t < threads_; ++t) joiner.workers.emplace_back([this] { Work(); });
    return Emit(emit);
  }

 private:
  struct Part {
    std::deque<std::vector<OwnedChange>> batches;
    size_t bytes = 0;
    bool done = false;
    Status status;
  };

  // Stops every worker; a non-OK `failure` is what the emitter returns.
  void Stop(const Status& failure) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      if (failure_.ok()) failure_ = failure;
    }
    cv_.notify_all();
  }

  Status Emit(const std::function<Status(const Change&)>& emit) {
    for (size_t i = 0; i < parts_.size(); ++i) {
      Part& part = parts_[i];
      for (;;) {
        std::vector<OwnedChange> batch;
        bool done;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [&] { return !part.batches.empty() || part.done || !failure_.ok(); });
          if (!failure_.ok()) return failure_;
          done = part.batches.empty();
          if (done) {
            if (!part.status.ok()) return part.status;
            emitting_ = i + 1;
          } else {
            batch = std::move(part.batches.front());
            part.batches.pop_front();
            for (const OwnedChange& c : batch) part.bytes -= Bytes(c);
          }
        }
        cv_.notify_all();
        if (done) break;
        for (const OwnedChange& c : batch) {
          CHECKPOINT_RETURN_IF_ERROR(emit(Change{c.key, c.value, c.is_delete}));
        }
      }
    }
    return Status::OK();
  }

  // A worker that throws (out of memory) fails the whole diff instead of
  // leaving its range unfinished.
  void Work() {
    try {
      WorkRanges();
    } catch (const std::exception& e) {
      Stop(Status::IOError(std::string("diff worker: ") + e.what()));
    }
  }

  void WorkRanges() {
    std::unique_ptr<NodeReader> reader = new_reader_();
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (next_ == parts_.size() || stop_) return;
        i = next_++;
        cv_.wait(lock, [&] { return stop_ || i < emitting_ + window_; });
        if (stop_) return;
      }
      Part& part = parts_[i];
      std::vector<OwnedChange> batch;
      size_t batch_bytes = 0;
      auto publish = [&]() -> Status {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || part.bytes < buffer_bytes_; });
        if (stop_) return Status::Cancelled("stopped");
        part.bytes += batch_bytes;
        part.batches.push_back(std::move(batch));
        batch.clear();
        batch_bytes = 0;
        cv_.notify_all();
        return Status::OK();
      };
      Status s = DiffTries(
          reader.get(), kind_, base_, target_,
          [&](const Change& c) -> Status {
            batch.push_back({std::string(c.key), std::string(c.value), c.is_delete});
            batch_bytes += Bytes(batch.back());
            return batch_bytes >= std::min(kBatchBytes, buffer_bytes_) ? publish() : Status::OK();
          },
          nullptr, ranges_[i]);
      if (s.ok() && !batch.empty()) s = publish();
      {
        std::lock_guard<std::mutex> lock(mu_);
        part.done = true;
        part.status = s;
      }
      cv_.notify_all();
      if (!s.ok()) return;
    }
  }

  static size_t Bytes(const OwnedChange& c) { return c.key.size() + c.value.size() + 64; }

  static constexpr size_t kBatchBytes = 256 << 10;
  const std::function<std::unique_ptr<NodeReader>()>& new_reader_;
  HashKind kind_;
  const NodeRef& base_;
  const NodeRef& target_;
  unsigned threads_;
  size_t window_;
  size_t buffer_bytes_;
  std::vector<DiffRange> ranges_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Part> parts_;
  size_t next_ = 0;      // the next range a worker takes
  size_t emitting_ = 0;  // the range being emitted
  bool stop_ = false;
  Status failure_;  // a worker's exception
};

}  // namespace

Status DiffTriesParallel(const std::function<std::unique_ptr<NodeReader>()>& new_reader,
                         HashKind kind, const NodeRef& base, const NodeRef& target,
                         unsigned threads, const std::function<Status(const Change&)>& emit,
                         size_t buffer_bytes, uint64_t min_split_leaves) {
  std::unique_ptr<NodeReader> reader = new_reader();
  if (threads <= 1) return DiffTries(reader.get(), kind, base, target, emit);
  std::vector<DiffRange> ranges;
  CHECKPOINT_RETURN_IF_ERROR(
      SplitRanges(reader.get(), target, 8 * threads, min_split_leaves, &ranges));
  reader.reset();
  ParallelDiff diff(new_reader, kind, base, target, threads, std::move(ranges), buffer_bytes);
  return diff.Run(emit);
}

}  // namespace checkpoint
