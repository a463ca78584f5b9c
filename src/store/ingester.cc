#include "store/ingester.h"

namespace checkpoint {

Ingester::Ingester(NodeStore* store, size_t max_queued) : store_(store), max_queued_(max_queued) {
  if (max_queued_ > 0) thread_ = std::thread([this] { Run(); });
}

Ingester::~Ingester() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

Status Ingester::Add(std::unique_ptr<StagedRuns> set) {
  if (max_queued_ == 0) {
    if (!error_.ok()) return error_;
    std::vector<std::unique_ptr<StagedRuns>> one;
    one.push_back(std::move(set));
    error_ = store_->IngestStaged(std::move(one));
    return error_;
  }
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return queue_.size() < max_queued_ || !error_.ok(); });
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(set));
  changed_.notify_all();
  return Status::OK();
}

Status Ingester::Drain() {
  if (max_queued_ == 0) return error_;
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return queue_.empty() && !ingesting_; });
  return error_;
}

void Ingester::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and nothing left
    std::vector<std::unique_ptr<StagedRuns>> batch = std::move(queue_);
    queue_.clear();
    ingesting_ = true;
    changed_.notify_all();  // room in the queue
    Status s;
    if (error_.ok()) {
      lock.unlock();
      s = store_->IngestStaged(std::move(batch));
      lock.lock();
    }
    batch.clear();  // dropped after an error: their files go
    if (error_.ok()) error_ = s;
    ingesting_ = false;
    changed_.notify_all();
  }
}

}  // namespace checkpoint
