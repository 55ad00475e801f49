// \file The training batches of a run, each a function of its step: the data order of its epoch
// (shuffled from the seed, epoch after epoch), its examples converted to the feeds' buffers and
// its images augmented (runtime/augment.h). A background thread prepares the next batches while
// the current step runs; the batches are the same, bit for bit, as when each is made on demand.
#pragma once

#include <Halide.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "ir/model.h"
#include "runtime/dataset.h"

namespace graphc {

// What the batches are made of.
struct TrainingData {
  const Graph* graph = nullptr;
  std::vector<FeedSpec> feeds;  // the train block's feed
  const LabeledImages* data = nullptr;
  std::vector<int64_t> indices;  // the examples trained on (a validation split holds the others out)
  DataSpec spec;                 // how stored values become fed floats (scale, mean, std)
  int64_t batch = 32;
  bool shuffle = true;
  uint64_t seed = 0;
  Augmentation augment;
  // Data parallelism (runtime/distributed.h): this process, rank of ranks, takes its share of
  // every global batch of `batch` examples, in the order one process takes them.
  int rank = 0, ranks = 1;

  int64_t count() const { return static_cast<int64_t>(indices.size()); }
  int64_t stepsPerEpoch() const { return (count() + batch - 1) / batch; }
  // The size of step's batch: `batch`, but the last of an epoch may be short.
  int64_t batchOf(int64_t step) const { return std::min(batch, count() - (step % stepsPerEpoch()) * batch); }
  // This rank's share of step's batch: `size` examples from `offset` in it (equal shares, the
  // later ranks taking one more when the batch does not divide).
  struct Share {
    int64_t offset = 0, size = 0;
  };
  Share shareOf(int64_t step) const {
    int64_t b = batchOf(step);
    int64_t from = b * rank / ranks, to = b * (rank + 1) / ranks;
    return {from, to - from};
  }
};

struct TrainingBatch {
  int64_t step = -1;
  std::vector<Halide::Buffer<>> buffers;              // one per feed, in the feed list's order
  std::shared_ptr<const std::vector<int64_t>> order;  // the data order of the step's epoch
  std::exception_ptr failure;                         // what preparing it threw, rethrown by take()
};

class BatchPipeline {
 public:
  // The batches of steps [first, end). ahead > 0: a background thread keeps up to that many
  // prepared; 0: each is made when taken, on the caller's thread.
  BatchPipeline(TrainingData data, int64_t first, int64_t end, int ahead);
  // Stops the thread (a run ending early, on Ctrl-C or an error) and waits for it.
  ~BatchPipeline();
  BatchPipeline(const BatchPipeline&) = delete;
  BatchPipeline& operator=(const BatchPipeline&) = delete;

  const TrainingData& data() const { return data_; }

  // The batch of `step`: the next in line, or again an earlier step of the latest batch's epoch
  // (a run replaying steps to find a non-finite value). Valid until the next call. Rethrows, on
  // this thread, what preparing it threw.
  const TrainingBatch& take(int64_t step);

 private:
  // The data order of epoch `epoch` (0-based); epochs are shuffled in turn from the seed, so a
  // resumed run replays the shuffles of the epochs before its first.
  std::shared_ptr<const std::vector<int64_t>> orderOf(int64_t epoch);
  TrainingBatch make(int64_t step, std::shared_ptr<const std::vector<int64_t>> order) const;
  TrainingBatch makeNext();  // the batch of step nextToMake_, its failure caught
  void prepareAhead();       // the background thread

  TrainingData data_;
  const int64_t end_;
  const size_t ahead_, refillAt_;
  std::mt19937_64 shuffleRng_;
  int64_t epochsShuffled_ = 0;
  std::shared_ptr<const std::vector<int64_t>> latestOrder_;  // of epoch epochsShuffled_ - 1
  int64_t nextToMake_, nextToTake_;
  TrainingBatch current_;

  std::mutex mutex_;
  std::condition_variable batchMade_;  // the loop waits on it for an empty queue
  std::condition_variable roomMade_;   // the thread waits on it for a queue down to refillAt_
  std::deque<TrainingBatch> ready_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace graphc
