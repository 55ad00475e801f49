// \file Training batches made ahead on a background thread. Only that thread shuffles (epochs in
// turn), and every batch is a function of its step and its epoch's order, so the batches do not
// depend on when they are made: with a thread, without one, or made again for a replay.
#include "runtime/batch_pipeline.h"

#include <stdexcept>
#include <string>

#include "runtime/feeder.h"
#include "runtime/interrupt.h"

namespace graphc {

BatchPipeline::BatchPipeline(TrainingData data, int64_t first, int64_t end, int ahead)
    : data_(std::move(data)),
      end_(end),
      ahead_(static_cast<size_t>(std::max(ahead, 0))),
      refillAt_(ahead_ / 2),
      shuffleRng_(data_.seed * 0x9E3779B97F4A7C15ull + 1),
      nextToMake_(first),
      nextToTake_(first) {
  if (ahead_ > 0 && first < end_) thread_ = threadWithoutSignals([this] { prepareAhead(); });
}

BatchPipeline::~BatchPipeline() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  roomMade_.notify_one();
  thread_.join();
}

std::shared_ptr<const std::vector<int64_t>> BatchPipeline::orderOf(int64_t epoch) {
  // Fisher-Yates on our own draws, so the order is the same on every platform.
  while (epochsShuffled_ <= epoch) {
    auto order = std::make_shared<std::vector<int64_t>>(data_.indices);
    if (data_.shuffle)
      for (int64_t i = data_.count() - 1; i > 0; --i)
        std::swap((*order)[static_cast<size_t>(i)],
                  (*order)[static_cast<size_t>(shuffleRng_() % static_cast<uint64_t>(i + 1))]);
    latestOrder_ = std::move(order);
    ++epochsShuffled_;
  }
  return latestOrder_;
}

TrainingBatch BatchPipeline::make(int64_t step, std::shared_ptr<const std::vector<int64_t>> order) const {
  TrainingBatch b;
  b.step = step;
  b.order = std::move(order);
  TrainingData::Share share = data_.shareOf(step);
  int64_t first = (step % data_.stepsPerEpoch()) * data_.batch + share.offset;
  for (const FeedSpec& f : data_.feeds) {
    b.buffers.push_back(feedBuffer(*data_.graph, f, share.size));
    fillFeed(*data_.graph, f, *data_.data, data_.spec, *b.order, first, share.size, b.buffers.back(),
             {&data_.augment, data_.seed, step, share.offset});
  }
  return b;
}

TrainingBatch BatchPipeline::makeNext() {
  int64_t step = nextToMake_++;
  try {
    return make(step, orderOf(step / data_.stepsPerEpoch()));
  } catch (...) {
    TrainingBatch failed;
    failed.step = step;
    failed.failure = std::current_exception();
    return failed;
  }
}

void BatchPipeline::prepareAhead() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (nextToMake_ < end_) {
    // Asleep until the queue runs low, then fills it: one wake-up for several steps, so the loop's
    // thread is interrupted (and preempted) less often.
    if (ready_.size() >= ahead_) roomMade_.wait(lock, [this] { return stop_ || ready_.size() <= refillAt_; });
    if (stop_) return;
    lock.unlock();
    TrainingBatch b = makeNext();
    bool failed = b.failure != nullptr;
    lock.lock();
    ready_.push_back(std::move(b));
    batchMade_.notify_one();
    if (failed) return;
  }
}

const TrainingBatch& BatchPipeline::take(int64_t step) {
  if (step != nextToTake_) {
    // A replay: the steps since the last check of the variables, all in the current epoch.
    if (!current_.order || step > nextToTake_ ||
        step / data_.stepsPerEpoch() != (nextToTake_ - 1) / data_.stepsPerEpoch())
      throw std::logic_error("BatchPipeline: step " + std::to_string(step) + " asked for after step " +
                             std::to_string(nextToTake_ - 1));
    current_ = make(step, current_.order);
    return current_;
  }
  if (step >= end_) throw std::logic_error("BatchPipeline: step " + std::to_string(step) + " is past the run's end");
  ++nextToTake_;
  if (!thread_.joinable()) {
    current_ = makeNext();
  } else {
    std::unique_lock<std::mutex> lock(mutex_);
    batchMade_.wait(lock, [this] { return !ready_.empty(); });
    current_ = std::move(ready_.front());
    ready_.pop_front();
    bool low = ready_.size() <= refillAt_;
    lock.unlock();  // first, or the thread wakes up only to wait for the lock
    if (low) roomMade_.notify_one();
  }
  if (current_.failure) std::rethrow_exception(current_.failure);
  return current_;
}

}  // namespace graphc
