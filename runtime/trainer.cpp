// \file The epoch loop. Loss and metrics per epoch are means over the epoch's batches, weighted by
// batch size, as Keras reports them; validation, test and `graphc eval` use the same evaluation
// program, so a checkpoint evaluates to exactly the numbers the run printed.
#include "runtime/trainer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <ostream>
#include <random>
#include <set>

#include "driver/pipeline.h"
#include "passes/class_scores.h"
#include "runtime/batch_pipeline.h"
#include "runtime/callbacks.h"
#include "runtime/channel_match.h"
#include "runtime/checkpoint.h"
#include "runtime/data_metadata.h"
#include "runtime/dataset.h"
#include "runtime/feeder.h"
#include "runtime/image_folder.h"
#include "runtime/interrupt.h"
#include "runtime/log_dir.h"
#include "runtime/metrics_json.h"
#include "runtime/nccl_exchange.h"
#include "runtime/numerics.h"
#include "runtime/run_description.h"
#include "runtime/run_progress.h"
#include "runtime/session.h"
#include "runtime/sharded_optimizer.h"
#include "runtime/test_predictions.h"
#include "support/crc32c.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

constexpr int64_t kEvalBatch = 1000;  // evaluation has no gradients, so a large batch is cheap
// Training batches prepared ahead of the step that runs: enough to absorb one slow batch.
constexpr int kBatchesAhead = 3;

// Mean loss and metrics over a whole data set.
struct Evaluation {
  double loss = 0;
  std::vector<double> metrics;
};

class Loop {
 public:
  Loop(Model& model, const RunOptions& options, std::ostream& log)
      : model_(model),
        cfg_(model.train),
        options_(options),
        callbacks_(model.train),
        display_(log, options.quiet ? ProgressMode::None : options.progress),
        ownCommunicator_(false),
        comm_(options.communicator ? *options.communicator : ownCommunicator_) {}

  RunResult run();
  EvalResult evaluateOnly();

 private:
  void applyOverrides();
  // Loads the data set and checks the train and evaluation feeds against it.
  DataSplit prepareData();
  // Creates the session (every variable initialised from the seed), then loads --load if given.
  void openSession();
  // Continues the progress --load recorded, warning when this run's data order differs from it.
  void resumeProgress();
  void saveCheckpointFile(const std::string& path);
  int64_t stepCounter(int iterations);
  [[noreturn]] void stopOnSignal();
  void feedBatch(const std::vector<FeedSpec>& feeds, const LabeledImages& data, const std::vector<int64_t>& order,
                 int64_t first, int64_t batch);
  void feedScalar(const char* name, double value);
  // interruption: what a signal during it means ("" while training: the loop stops after the
  // validation, at the step, and saves); else the text of the Interrupted thrown between batches.
  // predicted: when given, also each example's predicted class (the argmax of the class scores).
  Evaluation evaluate(const LabeledImages& data, const std::vector<int64_t>& indices,
                      const std::string& interruption = "", std::vector<int>* predicted = nullptr);
  // The loss, then the metrics, then (with --log-dir) the class scores: one set of programs
  // serves validation and the final test evaluation, which saves the predictions.
  std::vector<int> evaluationFetches() const;
  // The programs evaluating `count` examples runs (batches of kEvalBatch and the rest).
  void addEvaluationPrograms(int64_t count, std::vector<ProgramKey>& programs) const;
  // Compiles the programs the run needs (the test set has testCount examples) before its first
  // step, showing how far it is.
  void compileTrainingPrograms(int64_t testCount);
  std::string describe(const EpochRecord& r, const std::string& head) const;

  // Training step `step` (0-based, across resumed runs) takes its batch from batches_. feedStep
  // feeds it and returns its size; trainOn also runs it and makes the updated values the
  // variables' (outs[0] is the loss, then the metrics).
  int64_t feedStep(int64_t step);
  int64_t batchOf(int64_t step) const;  // the step's batch size (the last of an epoch may be short)
  int64_t shareOf(int64_t step) const;  // this rank's part of it (all of it for one process)
  std::vector<Halide::Buffer<>>& trainOn(int64_t step);

  // Data parallelism (runtime/distributed.h): a step is two programs, this rank's gradients
  // (with the loss, the metrics and the state updates of its share), then, once the gradients
  // of every rank are averaged, the optimizer's updates.
  bool distributed() const { return comm_.distributed(); }
  void planDataParallelStep(const TrainGraph& train);
  std::vector<Halide::Buffer<>>& trainOnShare(int64_t step);
  const std::vector<int>& trainingFetches() const;
  // The moving statistics (BatchNorm's) are per rank while training; before a validation, a
  // checkpoint and the end they become every rank's mean.
  void averageMovingStatistics();
  // After each epoch: every rank must hold the same weights.
  void checkWeightsAgree(int64_t epoch);
  // Every variable, the optimizer state of a sharded optimizer gathered first.
  Session::Snapshot snapshotVariables();
  bool writes() const { return comm_.rank() == 0; }

  // The steps of run(), in the order it takes them.
  // Holds out the validation examples: the test set, or a seeded fraction of the training set.
  void splitValidation(const DataSplit& data);
  // Sets the run's length in steps and epochs, continuing the progress of --load, and starts
  // preparing its batches.
  void planSteps();
  void checkShares(const TrainingData& batches);
  void startEpoch(int64_t epoch);
  void showStep(int64_t epoch);  // the progress bar after a step
  // Trains step progress_.step and adds its loss and metrics to the report in progress.
  void trainNextStep(int64_t epoch);
  // Prints the mean loss and metrics since the last report, with validation, and starts the next.
  EpochRecord reportProgress(int64_t epoch, const std::string& head);
  void validate(EpochRecord& report);
  // The callbacks after an epoch's report: true when early stopping ends the run here.
  bool stopEarly(const EpochRecord& report);
  void restoreBestWeights();
  // What runs between steps: the numerics check, --save-every, Ctrl-C.
  void afterStep(bool epochEnded);
  void checkNumerics(bool epochEnded);
  void checkpointIfDue(bool epochEnded);
  // Saves --save, evaluates on the test set and completes the result.
  RunResult finish(const LabeledImages& testSet);
  // Rolls back to the last snapshot and replays the steps up to `failed` one at a time to find
  // the first that made a non-finite value, then names the op; always throws RunFailure.
  [[noreturn]] void failNonFinite(int64_t failed, const std::string& what);

  Model& model_;
  TrainConfig& cfg_;
  const RunOptions& options_;
  TrainingCallbacks callbacks_;
  Session::Snapshot bestWeights_;  // restore_best_weights: the variables after the best epoch
  int64_t bestEpoch_ = 0;
  ProgressDisplay display_;
  std::unique_ptr<RunLog> runLog_;  // --log-dir
  int scoresNode_ = -1;             // --log-dir: the class scores whose argmax the test predictions are
  std::unique_ptr<Session> session_;
  std::map<std::string, std::string> dataMetadata_;  // class names and brightness, for predict
  std::vector<FeedSpec> evalFeeds_;
  std::map<std::pair<int, int64_t>, Halide::Buffer<>> feedBuffers_;
  std::map<std::string, std::pair<int, Halide::Buffer<>>> scalarFeeds_;  // by name: node (-1: absent), buffer
  CheckpointLoad loaded_;

  // The training run.
  TrainStep program_;
  DataSplit data_;
  std::unique_ptr<BatchPipeline> batches_;  // reads data_ on its thread: declared after it, so stopped before it goes
  std::vector<int64_t> trainIndices_;       // the examples trained on, in the data set's order
  const LabeledImages* valSet_ = nullptr;   // nullptr: no validation
  std::vector<int64_t> valIndices_;
  int64_t trainCount_ = 0, stepsPerEpoch_ = 1;
  int64_t firstStep_ = 0, totalSteps_ = 0, totalEpochs_ = 0;  // steps count across resumed runs
  int64_t epochEnd_ = 0;                                      // the step that ends this epoch
  RunProgress progress_;
  Clock::time_point reportStart_;
  double trainSeconds_ = 0;  // the time and images of the steps that compiled nothing
  int64_t trainImages_ = 0;
  RunResult result_;
  InterruptGuard* interrupt_ = nullptr;
  Session::Snapshot snapshot_;  // the variables after step snapshotStep_, all finite
  int learningRateNode_ = -1;   // the optimizer's learning-rate placeholder, fed every step
  Halide::Buffer<float> learningRate_ = Halide::Buffer<float>::make_scalar();
  double lastLearningRate_ = 0;  // the rate of the latest step, for the report
  int64_t snapshotStep_ = 0;

  Communicator ownCommunicator_;  // rank 0 of 1 (no MPI), when the caller gives none
  Communicator& comm_;
  struct DataParallelStep {
    std::vector<int> gradientFetches;  // the loss, the metrics, the gradients, the state updates
    std::vector<int> updateFetches;    // the optimizer's next values
    std::vector<VariableUpdate> updates, stateUpdates;
    std::vector<TrainGraph::FedGradient> gradients;
    std::vector<Halide::Buffer<float>> averaged;  // fed to gradients[i].placeholder
    std::vector<float> fused;                     // the allreduce's buffer
    size_t header = 0;                            // its stop flag, loss and metrics, before the gradients
    std::vector<float> headerSums;                // theirs summed over the ranks, with shared memory
    std::unique_ptr<ShardedOptimizer> sharded;    // nullptr: every rank applies the whole update
    // --target cuda with NCCL: the gradients are summed on the GPUs and stay there (fused then
    // holds the header alone); nullptr: they are summed on the host.
    std::unique_ptr<NcclExchange> nccl;
  } parallel_;
  bool stopAgreed_ = false;  // a rank was interrupted: every rank stops after this step
};

void Loop::feedBatch(const std::vector<FeedSpec>& feeds, const LabeledImages& data, const std::vector<int64_t>& order,
                     int64_t first, int64_t batch) {
  for (const FeedSpec& f : feeds) {
    auto key = std::make_pair(f.placeholder, f.kind == FeedSpec::Kind::Constant ? 0 : batch);
    auto it = feedBuffers_.find(key);
    if (it == feedBuffers_.end()) it = feedBuffers_.emplace(key, feedBuffer(model_.graph, f, batch)).first;
    fillFeed(model_.graph, f, data, cfg_.data, order, first, batch, it->second);
    session_->feed(f.placeholder, it->second);
  }
}

// Feeds one of the session's own scalars (the training flag, the step), if the graph has it.
// The node is looked up and its buffer allocated once; every step only writes the value.
void Loop::feedScalar(const char* name, double value) {
  auto it = scalarFeeds_.find(name);
  if (it == scalarFeeds_.end()) {
    int id = model_.graph.findByName(name);
    Halide::Buffer<> buffer = id < 0 ? Halide::Buffer<>() : scalarValue(model_.graph.node(id).dtype, value);
    it = scalarFeeds_.emplace(name, std::make_pair(id, buffer)).first;
  }
  auto& [id, buffer] = it->second;
  if (id < 0) return;
  setScalar(buffer, model_.graph.node(id).dtype, value);
  session_->feed(id, buffer);
}

std::vector<int> Loop::evaluationFetches() const {
  std::vector<int> fetches = {cfg_.minimize};
  fetches.insert(fetches.end(), cfg_.metrics.begin(), cfg_.metrics.end());
  if (scoresNode_ >= 0) fetches.push_back(scoresNode_);
  return fetches;
}

void Loop::addEvaluationPrograms(int64_t count, std::vector<ProgramKey>& programs) const {
  if (count >= kEvalBatch) programs.emplace_back(evaluationFetches(), kEvalBatch);
  if (count % kEvalBatch != 0) programs.emplace_back(evaluationFetches(), count % kEvalBatch);
}

void Loop::compileTrainingPrograms(int64_t testCount) {
  std::vector<ProgramKey> programs;
  if (progress_.step < totalSteps_) {
    programs.emplace_back(trainingFetches(), shareOf(progress_.step));
    // The short last batch of the epoch in progress, if the run gets there.
    int64_t lastOfEpoch = (progress_.step / stepsPerEpoch_ + 1) * stepsPerEpoch_ - 1;
    if (lastOfEpoch < totalSteps_) programs.emplace_back(trainingFetches(), shareOf(lastOfEpoch));
    if (parallel_.sharded)
      parallel_.sharded->compile();
    else if (distributed())
      programs.emplace_back(parallel_.updateFetches, 1);
    if (valSet_) addEvaluationPrograms(static_cast<int64_t>(valIndices_.size()), programs);
  }
  addEvaluationPrograms(testCount, programs);
  session_->compileAhead(programs, &display_);
}

Evaluation Loop::evaluate(const LabeledImages& data, const std::vector<int64_t>& indices,
                          const std::string& interruption, std::vector<int>* predicted) {
  std::vector<int> fetches = evaluationFetches();
  bool withScores = predicted && scoresNode_ >= 0;
  if (predicted) predicted->clear();
  feedScalar(kTrainingFlagName, 0.0);
  int64_t count = static_cast<int64_t>(indices.size());
  Evaluation e;
  e.metrics.assign(cfg_.metrics.size(), 0.0);
  for (int64_t first = 0; first < count; first += kEvalBatch) {
    if (!interruption.empty() && interrupt_->requested()) throw Interrupted(interruption);
    int64_t batch = std::min(kEvalBatch, count - first);
    feedBatch(evalFeeds_, data, indices, first, batch);
    auto& outs = session_->run(fetches, batch);
    double w = static_cast<double>(batch) / static_cast<double>(count);
    e.loss += w * Halide::Buffer<float>(outs[0])();
    for (size_t m = 0; m < cfg_.metrics.size(); ++m) e.metrics[m] += w * Halide::Buffer<float>(outs[m + 1])();
    if (withScores) {
      Halide::Buffer<float> scores(outs.back());  // Halide's order: scores(class, row)
      for (int row = 0; row < batch; ++row) {
        int best = 0;
        for (int c = 1; c < scores.dim(0).extent(); ++c)
          if (scores(c, row) > scores(best, row)) best = c;
        predicted->push_back(best);
      }
    }
  }
  return e;
}

std::string Loop::describe(const EpochRecord& r, const std::string& head) const {
  std::string line = fmt::format("{} - {:.1f}s - loss: {:.4f}", head, r.seconds, r.loss);
  for (size_t m = 0; m < r.metrics.size(); ++m) line += fmt::format(" - {}: {:.4f}", cfg_.metricNames[m], r.metrics[m]);
  if (r.validated) {
    line += fmt::format(" - val_loss: {:.4f}", r.valLoss);
    for (size_t m = 0; m < r.valMetrics.size(); ++m)
      line += fmt::format(" - val_{}: {:.4f}", cfg_.metricNames[m], r.valMetrics[m]);
  }
  if (callbacks_.reportsLearningRate())  // as Keras' progress bar: 4 digits, small values in e-notation
    line += r.learningRate >= 1e-3 ? fmt::format(" - lr: {:.5f}", r.learningRate)
                                   : fmt::format(" - lr: {:.4e}", r.learningRate);
  return line;
}

void Loop::applyOverrides() {
  if (!cfg_.present)
    throw UserError({}, "the model has no train block; `graphc run` needs one (every model in examples/ has one)");
  if (cfg_.data.kind.empty())
    throw UserError(cfg_.loc, "the train block needs `data`, such as data = mnist(scale = 1/255)");
  if (cfg_.minimize < 0) throw UserError(cfg_.loc, "the train block needs `minimize`, the scalar loss to minimize");
  // The language requires it: a silent default (SGD at 0.01) would train, slowly, what the user
  // meant to train with Adam.
  if (!cfg_.optimizerLoc.valid())
    throw UserError(cfg_.loc, "the train block needs `optimizer`, such as optimizer = sgd(lr = 0.01) or adam()");
  if (options_.batch) cfg_.batch = *options_.batch;
  if (options_.epochs) cfg_.epochs = *options_.epochs, cfg_.steps = 0;
  if (options_.steps) cfg_.steps = *options_.steps;
  if (options_.seed) cfg_.seed = *options_.seed;
  if (options_.learningRate) cfg_.optimizer.learningRate = *options_.learningRate;
}

// The value fed as graphc/step: dropout masks hash it, so it mixes the seed in (docs/language.md section 6:
// the seed drives every random choice) and stays a function of (seed, step) for exact resumes.
int32_t dropoutStream(uint64_t seed, int64_t step) {
  uint64_t h = (seed + 1) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  return static_cast<int32_t>((h + static_cast<uint64_t>(step)) & 0x7fffffff);
}

// Indices 0..n-1, in a random order when rng is given (Fisher-Yates on our own draws, so the
// order is the same on every platform).
std::vector<int64_t> indexRange(int64_t n, std::mt19937_64* rng) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  if (rng)
    for (int64_t i = n - 1; i > 0; --i)
      std::swap(v[static_cast<size_t>(i)], v[static_cast<size_t>((*rng)() % static_cast<uint64_t>(i + 1))]);
  return v;
}

DataSplit Loop::prepareData() {
  std::string dataDir = options_.dataDir.empty() ? defaultDataDir() : options_.dataDir;
  DataSplit data = loadDataSet(cfg_.data, dataDir);
  if (cfg_.data.kind == "image_folder" && data.test.count == 0 && cfg_.validation != "split")
    throw UserError(cfg_.data.loc, data.files[2] +
                                       ": no such folder; add it, or hold out validation examples with "
                                       "validation = split(0.1), which the final evaluation then uses");
  dataMetadata_ = dataMetadata(data);
  matchImageChannels(model_.graph, cfg_.feeds, data, options_.quiet ? nullptr : stderr);
  checkFeeds(model_.graph, cfg_.feeds, data.train, data.files[1]);
  evalFeeds_ = evaluationFeeds(cfg_, model_.graph);
  checkFeeds(model_.graph, evalFeeds_, data.test, data.files[3]);
  return data;
}

void Loop::openSession() {
  session_ = std::make_unique<Session>(model_.graph, cfg_.seed, options_.compile);
  if (options_.loadPath.empty()) return;
  loaded_ = loadCheckpoint(options_.loadPath, *session_);
  bool hasReport = false;
  readProgress(loaded_.metadata, cfg_.metrics.size(), &hasReport, options_.loadPath);  // checks every field, eval too
  if (options_.quiet) return;
  auto step = loaded_.metadata.find("step");
  std::string line = "Loaded " + options_.loadPath;
  if (step != loaded_.metadata.end()) line += " (step " + step->second + ")";
  line += ": " + std::to_string(loaded_.restored) + " variables";
  if (!loaded_.zeroedSlots.empty())
    line += "; " + std::to_string(loaded_.zeroedSlots.size()) +
            " optimizer slots not in the file start at their initial values";
  display_.message(line);
}

// The optimizer's step counter as loaded or initialised: a float variable, so a checkpoint can hold
// -1, NaN or infinity there, which would index the data order out of bounds; and a float counts
// whole numbers exactly only up to 2^24.
int64_t Loop::stepCounter(int iterations) {
  float counter = session_->variable(iterations)();
  if (!(counter >= 0 && counter <= 16777216.0f && counter == std::floor(counter)))
    throw InputError(fmt::format("{}: the step counter '{}' must be a whole number from 0 to 2^24, found {}",
                                 options_.loadPath.empty() ? std::string("the model") : options_.loadPath,
                                 model_.graph.node(iterations).name, counter));
  return static_cast<int64_t>(counter);
}

void Loop::saveCheckpointFile(const std::string& path) {
  averageMovingStatistics();
  if (parallel_.sharded) parallel_.sharded->gatherState(*session_);
  if (!writes()) return;
  std::map<std::string, std::string> metadata = {
      {"producer", "graphc"}, {"model", model_.graph.modelName}, {"optimizer", cfg_.optimizer.kind}};
  writeProgress(progress_, metadata);  // a report already printed has zero sums and images
  callbacks_.write(metadata);
  metadata.insert(dataMetadata_.begin(), dataMetadata_.end());
  saveCheckpoint(path, *session_, metadata);
  if (!options_.quiet) display_.message(fmt::format("Saved {} (step {})", path, progress_.step));
}

EvalResult Loop::evaluateOnly() {
  InterruptGuard interrupt;
  interrupt_ = &interrupt;
  applyOverrides();
  if (options_.loadPath.empty()) throw InputError("eval needs a checkpoint to evaluate (--load FILE)");
  DataSplit data = prepareData();
  if (cfg_.data.kind == "image_folder" && data.test.count == 0)
    throw InputError("graphc eval evaluates the test set, and " + data.files[2] + " does not exist");
  openSession();
  feedScalar(kStepName, 0.0);
  std::vector<ProgramKey> programs;
  addEvaluationPrograms(data.test.count, programs);
  session_->compileAhead(programs, &display_);
  Evaluation test = evaluate(data.test, indexRange(data.test.count, nullptr), "interrupted during evaluation");
  EvalResult r;
  r.model = model_.graph.modelName;
  auto step = loaded_.metadata.find("step");
  if (step != loaded_.metadata.end()) r.step = step->second;
  if (!options_.logDir.empty())
    RunLog(options_.logDir, cfg_.metricNames, false, false)
        .test(r.step.empty() ? 0 : std::stoll(r.step), test.loss, test.metrics);
  r.metricNames = cfg_.metricNames;
  r.testLoss = test.loss;
  r.testMetrics = test.metrics;
  r.compileSeconds = session_->compileSeconds();
  r.kernels = session_->kernelCount();
  r.cacheHits = session_->cacheHits();
  return r;
}

// After Ctrl-C: the step just finished is kept; save it when --save was given and say how to go on.
void Loop::stopOnSignal() {
  std::string where = "interrupted after step " + std::to_string(progress_.step) + " of " + std::to_string(totalSteps_);
  // Every rank stops here: none leaves before rank 0 has saved.
  if (distributed()) comm_.agreeToExit();
  if (options_.savePath.empty()) throw Interrupted(where + "; nothing saved (run with --save FILE to keep progress)");
  saveCheckpointFile(options_.savePath);
  comm_.barrier();
  throw Interrupted(where + "; resume with the same command plus --load " + options_.savePath);
}

void Loop::resumeProgress() {
  bool hasReport = false;
  RunProgress saved = readProgress(loaded_.metadata, cfg_.metrics.size(), &hasReport, options_.loadPath);
  // The optimizer's counter is authoritative: a checkpoint of another tool may lack the metadata.
  saved.step = progress_.step;
  bool sameOrder = (!loaded_.metadata.count("seed") || saved.seed == cfg_.seed) &&
                   (!loaded_.metadata.count("batch") || saved.batch == cfg_.batch);
  if (!sameOrder)
    std::cerr << "graphc: warning: " << options_.loadPath << " was trained with --seed " << saved.seed << " --batch "
              << saved.batch << "; this run uses --seed " << cfg_.seed << " --batch " << cfg_.batch
              << ", so its data order differs from an uninterrupted run's" << std::endl;
  if (!sameOrder) return;
  progress_.best = saved.best;
  progress_.sinceBest = saved.sinceBest;
  callbacks_.read(loaded_.metadata, options_.loadPath);
  // The report in progress continues only mid-epoch (mid-period with eval_every).
  if (hasReport && saved.images > 0) {
    progress_.lossSum = saved.lossSum;
    progress_.metricSums = saved.metricSums;
    progress_.images = saved.images;
  }
}

int64_t Loop::batchOf(int64_t step) const { return batches_->data().batchOf(step); }
int64_t Loop::shareOf(int64_t step) const { return batches_->data().shareOf(step).size; }

// Every rank draws its own dropout masks: rank 0 those of one process, the others from the seed
// mixed with the rank.
uint64_t rankSeed(uint64_t seed, int rank) {
  return rank == 0 ? seed : seed ^ (0xD1B54A32D192ED03ull * static_cast<uint64_t>(rank));
}

int64_t Loop::feedStep(int64_t step) {
  int64_t b = shareOf(step);
  const TrainingBatch& batch = batches_->take(step);
  for (size_t f = 0; f < cfg_.feeds.size(); ++f) session_->feed(cfg_.feeds[f].placeholder, batch.buffers[f]);
  feedScalar(kTrainingFlagName, 1.0);
  feedScalar(kStepName, static_cast<double>(dropoutStream(rankSeed(cfg_.seed, comm_.rank()), step)));
  // The schedule's rate at the optimizer's step count before this step (docs/training.md, "Learning-rate schedules").
  lastLearningRate_ = callbacks_.learningRate(step);
  learningRate_() = static_cast<float>(lastLearningRate_);
  session_->feed(learningRateNode_, learningRate_);
  return b;
}

std::vector<Halide::Buffer<>>& Loop::trainOn(int64_t step) {
  if (distributed()) return trainOnShare(step);
  int64_t b = feedStep(step);
  auto& outs =
      session_->run(program_.fetches, b, program_.firstUpdate);  // the variables' next values stay on the device
  for (size_t u = 0; u < program_.updates.size(); ++u)
    session_->assignVariable(program_.updates[u].variable, outs[program_.firstUpdate + u]);
  return outs;
}

void Loop::planDataParallelStep(const TrainGraph& train) {
  DataParallelStep& p = parallel_;
  p.gradients = train.fedGradients;
  p.updates = train.updates;
  p.stateUpdates = model_.stateUpdates;
  p.gradientFetches = {train.loss};
  p.gradientFetches.insert(p.gradientFetches.end(), cfg_.metrics.begin(), cfg_.metrics.end());
  for (const auto& g : p.gradients) p.gradientFetches.push_back(g.gradient);
  for (const VariableUpdate& u : p.stateUpdates) p.gradientFetches.push_back(u.next);
  for (const VariableUpdate& u : p.updates) p.updateFetches.push_back(u.next);
  p.header = 1 + cfg_.metrics.size() + 1;  // the loss, the metrics, the stop flag
  size_t floats = p.header;
  for (const auto& g : p.gradients) {
    const Node& v = model_.graph.node(g.variable);
    std::vector<int> extents(v.shape.rbegin(), v.shape.rend());  // Halide's order: innermost first
    p.averaged.emplace_back(extents);
    floats += static_cast<size_t>(p.averaged.back().number_of_elements());
  }
  p.sharded = ShardedOptimizer::create(model_.graph, train, comm_, options_.compile, p.header, floats, *session_);
  if (!p.sharded || !p.sharded->sharedFused()) p.fused.assign(p.nccl ? p.header : floats, 0.0f);
  p.headerSums.assign(p.header, 0.0f);
}

const std::vector<int>& Loop::trainingFetches() const {
  return distributed() ? parallel_.gradientFetches : program_.fetches;
}

// One step of a data-parallel run. Each rank's loss, metrics and gradients are means over its
// share; weighted by share / batch and summed over the ranks (one fused buffer, the stop flag of
// Ctrl-C included, each bucket summed while the next is packed) they become the global batch's,
// which the optimizer then applies: sharded, each rank receives the sum of its rows of the
// gradients only, updates those rows and gathers the others; else every rank applies all of it.
// With NCCL the gradients never leave the GPU: NCCL sums them in place, weighted, while the header
// travels through MPI, and the update program reads them where they are.
std::vector<Halide::Buffer<>>& Loop::trainOnShare(int64_t step) {
  DataParallelStep& p = parallel_;
  int64_t share = feedStep(step);
  size_t metrics = cfg_.metrics.size(), at = 0;
  auto& outs = session_->run(p.gradientFetches, share, p.nccl ? 1 + metrics : static_cast<size_t>(-1));
  float weight = static_cast<float>(static_cast<double>(share) / static_cast<double>(batchOf(step)));
  // Ranks on one machine pack into shared memory and exchange nothing (runtime/sharded_optimizer.h).
  float* shared = p.sharded ? p.sharded->sharedFused() : nullptr;
  float* fused = shared ? shared : p.fused.data();
  fused[at++] = interrupt_->requested() ? 1.0f : 0.0f;
  for (size_t i = 0; i <= metrics; ++i) fused[at++] = Halide::Buffer<float>(outs[i])() * weight;
  if (!shared) comm_.startSum(fused, at);
  size_t sent = at;
  auto send = [&] {
    if (shared)
      return;
    else if (p.sharded)
      p.sharded->startReduce(fused, sent, at);
    else
      comm_.startSum(fused + sent, at - sent);
    sent = at;
  };
  std::vector<Halide::Buffer<>> onDevice;  // with NCCL: the gradients, summed where they lie
  if (p.nccl) {
    auto first = outs.begin() + static_cast<std::ptrdiff_t>(1 + metrics);
    onDevice.assign(first, first + static_cast<std::ptrdiff_t>(p.gradients.size()));
    p.nccl->sumOnDevice(onDevice, weight);
  }
  for (size_t g = 0; g < p.gradients.size() && !p.nccl; ++g) {
    Halide::Buffer<float> gradient(outs[1 + metrics + g]);
    const float* from = gradient.data();
    for (size_t i = 0, n = static_cast<size_t>(gradient.number_of_elements()); i < n; ++i)
      fused[at++] = from[i] * weight;
    if (at - sent >= comm_.bucketFloats()) send();
  }
  if (at > sent) send();
  const float* sums = shared ? p.headerSums.data() : fused;
  if (shared)
    p.sharded->sumShared(p.header, p.headerSums.data());
  else
    comm_.finishExchanges();
  at = 0;
  stopAgreed_ = sums[at++] > 0;
  for (size_t i = 0; i <= metrics; ++i) {
    Halide::Buffer<float> global(outs[i]);  // the global batch's loss or metric, for the report
    global() = sums[at++];
  }
  if (p.sharded) p.sharded->update(*session_, learningRate_);
  for (size_t g = 0; g < p.gradients.size() && p.nccl; ++g) session_->feed(p.gradients[g].placeholder, onDevice[g]);
  for (size_t g = 0; g < p.gradients.size() && !p.sharded && !p.nccl; ++g) {
    Halide::Buffer<float>& averaged = p.averaged[g];
    std::copy_n(p.fused.data() + at, averaged.number_of_elements(), averaged.data());
    at += static_cast<size_t>(averaged.number_of_elements());
    session_->feed(p.gradients[g].placeholder, averaged);
  }
  if (!p.sharded) {
    auto& next = session_->run(p.updateFetches, 1, 0);  // the next values stay on the device
    for (size_t u = 0; u < p.updates.size(); ++u) session_->assignVariable(p.updates[u].variable, next[u]);
  }
  size_t firstState = 1 + metrics + p.gradients.size();
  for (size_t u = 0; u < p.stateUpdates.size(); ++u)
    session_->assignVariable(p.stateUpdates[u].variable, outs[firstState + u]);
  return outs;
}

void Loop::averageMovingStatistics() {
  if (!distributed() || parallel_.stateUpdates.empty()) return;
  std::vector<Halide::Buffer<float>> statistics;
  std::vector<float> fused;
  for (const VariableUpdate& u : parallel_.stateUpdates) {
    statistics.push_back(session_->variable(u.variable));
    fused.insert(fused.end(), statistics.back().data(),
                 statistics.back().data() + statistics.back().number_of_elements());
  }
  comm_.allreduceSum(fused.data(), fused.size());
  float ranks = static_cast<float>(comm_.size());
  const float* from = fused.data();
  for (Halide::Buffer<float>& b : statistics)
    for (float *to = b.data(), *end = b.data() + b.number_of_elements(); to != end; ++to) *to = *from++ / ranks;
}

Session::Snapshot Loop::snapshotVariables() {
  if (parallel_.sharded) parallel_.sharded->gatherState(*session_);
  return session_->snapshotVariables();
}

void Loop::checkWeightsAgree(int64_t epoch) {
  if (!distributed()) return;
  std::set<int> moving;
  for (const VariableUpdate& u : parallel_.stateUpdates) moving.insert(u.variable);
  std::string bytes;
  for (auto& [id, value] : snapshotVariables())
    if (!moving.count(id)) bytes.append(static_cast<const char*>(value.data()), value.size_in_bytes());
  std::vector<int> differing = comm_.ranksDiffering(fmt::format("{:08x}", crc32c(bytes)));
  if (differing.empty()) return;
  comm_.agreeToExit();
  throw RanksDisagree(fmt::format("after epoch {} the weights of rank {} differ from rank 0's (their checksums differ)",
                                  epoch, fmt::join(differing, ", ")));
}

// Variables are checked (and copied, to roll back to) this often; the loss every step.
constexpr int64_t kNumericsCheckEvery = 100;

void Loop::afterStep(bool epochEnded) {
  checkNumerics(epochEnded);
  if (epochEnded) checkWeightsAgree(progress_.step / stepsPerEpoch_);
  checkpointIfDue(epochEnded);
  // The ranks stop together, at the step where one of them saw the signal.
  bool stop = distributed() ? stopAgreed_ : interrupt_->requested();
  if (stop && progress_.step < totalSteps_) stopOnSignal();
}

// A non-finite variable fails the run; finite ones become the snapshot to roll back to.
void Loop::checkNumerics(bool epochEnded) {
  int64_t step = progress_.step;
  if (!epochEnded && step % kNumericsCheckEvery != 0) return;
  Session::Snapshot now = snapshotVariables();
  int bad = firstNonFinite(now);
  if (bad >= 0) failNonFinite(step, "variable '" + model_.graph.node(bad).name + "' is no longer finite");
  snapshot_ = std::move(now);
  snapshotStep_ = step;
}

// --save-every: the last step's checkpoint is written by finish().
void Loop::checkpointIfDue(bool epochEnded) {
  int64_t step = progress_.step;
  const SaveEvery& every = options_.saveEvery;
  if (!options_.savePath.empty() && step < totalSteps_ &&
      ((every.steps > 0 && step % every.steps == 0) ||
       (every.epochs > 0 && epochEnded && (step / stepsPerEpoch_) % every.epochs == 0)))
    saveCheckpointFile(options_.savePath);
}

void Loop::failNonFinite(int64_t failed, const std::string& what) {
  std::string message = "step " + std::to_string(failed) + ": " + what;
  if (!options_.quiet)
    display_.message(
        fmt::format("Non-finite values after step {}; replaying from step {} to find the op that made them", failed,
                    snapshotStep_));
  session_->restoreVariables(snapshot_);
  for (int64_t step = snapshotStep_; step < failed; ++step) {
    Session::Snapshot before = session_->snapshotVariables();
    auto& outs = trainOn(step);
    bool finite = firstNonFinite(session_->snapshotVariables()) < 0;
    for (size_t i = 0; i < program_.firstUpdate; ++i) finite &= allFinite(outs[i]);
    if (finite) continue;
    session_->restoreVariables(before);
    int64_t b = feedStep(step);
    int node = firstNonFiniteValue(*session_, trainingFetches(), b);
    if (step + 1 != failed) message += "; it started at step " + std::to_string(step + 1);
    if (node >= 0) message += "; the first non-finite value is " + describeValue(model_.graph, node);
    throw RunFailure(message);
  }
  throw RunFailure(message + " (replaying from step " + std::to_string(snapshotStep_) + " did not reproduce it)");
}

RunResult Loop::run() {
  InterruptGuard interrupt;  // installed first: a Ctrl-C during compilation stops after the first step
  interrupt_ = &interrupt;
  applyOverrides();
  // Finding out that --save cannot be written after hours of training is too late.
  if (!options_.savePath.empty()) checkDestination(options_.savePath, "a checkpoint");
  if (cfg_.checkpoint.enabled) checkDestination(cfg_.checkpoint.path, "the checkpoint callback's file");
  TrainGraph train = differentiate(model_, distributed());
  data_ = prepareData();
  splitValidation(data_);
  if (cfg_.data.kind == "image_folder" && data_.test.count == 0)  // no test/: the held-out examples
    data_.test = selectExamples(data_.train, valIndices_);
  if (!options_.logDir.empty())
    runLog_ = std::make_unique<RunLog>(options_.logDir, cfg_.metricNames, valSet_ != nullptr, true);
  if (runLog_) {
    scoresNode_ = findClassScores(model_);
    writeRunDescription(options_.logDir, model_, cfg_);
  }

  // Before the session's first kernel: NCCL's GPU is the one Halide's kernels run on.
  if (distributed()) parallel_.nccl = NcclExchange::create(comm_, options_.compile.target);
  openSession();
  learningRateNode_ = train.learningRate;
  program_ = trainStep(model_, train);
  if (distributed()) planDataParallelStep(train);
  progress_.step = stepCounter(train.iterations);
  planSteps();
  compileTrainingPrograms(data_.test.count);
  comm_.barrier();  // the ranks start training together: no rank's compilation counts as allreduce time

  int64_t firstEpoch = firstStep_ / stepsPerEpoch_ + 1;
  // The state to roll back to; afterStep renews it every kNumericsCheckEvery steps and at each
  // epoch's end, so it always lies in the epoch being trained (which batches_ can replay).
  snapshot_ = snapshotVariables();
  snapshotStep_ = progress_.step;
  reportStart_ = Clock::now();
  for (int64_t epoch = firstEpoch; epoch <= totalEpochs_ && progress_.step < totalSteps_; ++epoch) {
    startEpoch(epoch);
    while (progress_.step < epochEnd_) trainNextStep(epoch);
    if (cfg_.evalEvery == 0 && stopEarly(reportProgress(epoch, fmt::format("Epoch {}/{}", epoch, totalEpochs_)))) break;
    afterStep(true);
  }
  return finish(data_.test);
}

void Loop::splitValidation(const DataSplit& data) {
  trainIndices_ = indexRange(data.train.count, nullptr);
  if (cfg_.validation == "test") {
    valSet_ = &data.test;
    valIndices_ = indexRange(data.test.count, nullptr);
  } else if (cfg_.validation == "split") {
    std::mt19937_64 splitRng(cfg_.validationSeed);
    std::vector<int64_t> all = indexRange(data.train.count, &splitRng);
    auto held = static_cast<size_t>(static_cast<double>(data.train.count) * cfg_.validationFraction);
    valIndices_.assign(all.end() - static_cast<long>(held), all.end());
    trainIndices_.assign(all.begin(), all.end() - static_cast<long>(held));
    std::sort(trainIndices_.begin(), trainIndices_.end());
    valSet_ = &data.train;
  }
}

// Steps are counted across resumed runs, from the optimizer's counter (progress_.step), and
// --steps/--epochs count the whole run: a resumed run picks up the data order where the saved one
// stopped and ends where an uninterrupted one would.
void Loop::planSteps() {
  TrainingData batches;
  batches.graph = &model_.graph;
  batches.feeds = cfg_.feeds;
  batches.data = &data_.train;
  batches.indices = trainIndices_;
  batches.spec = cfg_.data;
  batches.batch = cfg_.batch;
  batches.shuffle = cfg_.shuffle;
  batches.seed = cfg_.seed;
  batches.augment = cfg_.augment;
  batches.rank = comm_.rank();
  batches.ranks = comm_.size();
  trainCount_ = batches.count();
  if (distributed()) checkShares(batches);
  stepsPerEpoch_ = batches.stepsPerEpoch();
  progress_.seed = cfg_.seed;
  progress_.batch = cfg_.batch;
  progress_.shuffle = cfg_.shuffle;
  progress_.metricSums.assign(cfg_.metrics.size(), 0.0);
  if (!options_.loadPath.empty()) resumeProgress();
  firstStep_ = progress_.step;
  totalSteps_ = cfg_.steps > 0 ? cfg_.steps : cfg_.epochs * stepsPerEpoch_;
  totalEpochs_ = (totalSteps_ + stepsPerEpoch_ - 1) / stepsPerEpoch_;
  if (firstStep_ > totalSteps_)
    throw InputError(options_.loadPath + ": the checkpoint is at step " + std::to_string(firstStep_) +
                     ", beyond this run's " + std::to_string(totalSteps_) +
                     " steps (--steps and --epochs count the whole run, resumed or not)");
  if (firstStep_ >= totalSteps_ && !options_.quiet)
    display_.message(
        fmt::format("The checkpoint is at step {} of this run's {}: nothing left to train", firstStep_, totalSteps_));
  // --threads 1 keeps to one thread: each batch is made when its step comes.
  batches_ = std::make_unique<BatchPipeline>(std::move(batches), firstStep_, totalSteps_,
                                             options_.prepareBatchesAhead ? kBatchesAhead : 0);
}

// Every rank needs a share of every batch: the global batch divides by the ranks, and the short
// last batch of an epoch holds an example for each. Every rank finds it alike and exits 2.
void Loop::checkShares(const TrainingData& batches) {
  int ranks = comm_.size();
  std::string problem;
  if (batches.batch % ranks != 0)
    problem = fmt::format(
        "the batch of {} does not divide by the {} processes of mpirun -np {} (--batch and the train "
        "block's batch are the global batch, each process computes an equal share)",
        batches.batch, ranks, ranks);
  else if (int64_t last = batches.count() % batches.batch; last != 0 && last < ranks)
    problem = fmt::format("the last batch of each epoch holds {} examples of {}, fewer than the {} processes", last,
                          batches.count(), ranks);
  if (problem.empty()) return;
  comm_.agreeToExit();
  throw InputError(problem);
}

void Loop::startEpoch(int64_t epoch) {
  epochEnd_ = std::min(epoch * stepsPerEpoch_, totalSteps_);
  int64_t epochStart = (epoch - 1) * stepsPerEpoch_;
  display_.startSteps(fmt::format("Epoch {}/{}", epoch, totalEpochs_), epochEnd_ - epochStart,
                      progress_.step - epochStart);
}

void Loop::showStep(int64_t epoch) {
  if (display_.mode() != ProgressMode::Bar) return;
  double images = static_cast<double>(std::max<int64_t>(progress_.images, 1));
  std::vector<ShownValue> values = {{"loss", progress_.lossSum / images}};
  for (size_t m = 0; m < cfg_.metrics.size(); ++m)
    values.push_back({cfg_.metricNames[m], progress_.metricSums[m] / images});
  display_.step(progress_.step - (epoch - 1) * stepsPerEpoch_, values);
}

void Loop::trainNextStep(int64_t epoch) {
  int64_t& step = progress_.step;
  auto stepStart = Clock::now();
  double compiledBefore = session_->compileSeconds();
  auto& outs = trainOn(step);
  int64_t b = batchOf(step);
  // A step that compiled its program is not counted as training time.
  if (session_->compileSeconds() == compiledBefore) trainSeconds_ += since(stepStart), trainImages_ += b;
  double loss = Halide::Buffer<float>(outs[0])();
  ++step;
  if (!std::isfinite(loss))
    failNonFinite(step, std::string("the loss is ") + (std::isnan(loss) ? "NaN" : loss > 0 ? "+inf" : "-inf"));
  progress_.lossSum += loss * static_cast<double>(b);
  for (size_t m = 0; m < cfg_.metrics.size(); ++m)
    progress_.metricSums[m] += Halide::Buffer<float>(outs[m + 1])() * static_cast<double>(b);
  progress_.images += b;
  showStep(epoch);
  if (cfg_.evalEvery > 0 && step % cfg_.evalEvery == 0)
    reportProgress(epoch, fmt::format("Step {}/{}", step, totalSteps_));
  if (step < epochEnd_) afterStep(false);
}

EpochRecord Loop::reportProgress(int64_t epoch, const std::string& head) {
  EpochRecord rec;
  rec.epoch = epoch;
  double images = static_cast<double>(std::max<int64_t>(progress_.images, 1));
  rec.loss = progress_.lossSum / images;
  for (double m : progress_.metricSums) rec.metrics.push_back(m / images);
  averageMovingStatistics();  // every rank validates the same weights, and decides alike
  if (valSet_) validate(rec);
  rec.seconds = since(reportStart_);
  rec.learningRate = lastLearningRate_;
  if (!options_.quiet) display_.report(describe(rec, head));
  result_.history.push_back(rec);
  if (runLog_) runLog_->report(rec, progress_.step, cfg_.optimizer.learningRate);
  progress_.lossSum = 0;
  progress_.metricSums.assign(cfg_.metrics.size(), 0.0);
  progress_.images = 0;
  reportStart_ = Clock::now();
  return rec;
}

void Loop::validate(EpochRecord& report) {
  Evaluation v = evaluate(*valSet_, valIndices_);
  report.validated = true;
  report.valLoss = v.loss;
  report.valMetrics = v.metrics;
}

// The callbacks after an epoch's report (runtime/callbacks.h).
bool Loop::stopEarly(const EpochRecord& report) {
  CallbackDecision d = callbacks_.afterReport(report.epoch, report, progress_);
  if (!options_.quiet)
    for (const std::string& line : d.log) display_.message(line);
  if (d.saveCheckpoint) saveCheckpointFile(cfg_.checkpoint.path);
  if (d.newBestWeights) bestWeights_ = snapshotVariables(), bestEpoch_ = report.epoch;
  if (!d.stop) return false;
  result_.stoppedEarly = true;
  if (!options_.quiet)
    display_.message(fmt::format("Early stopping: {} did not improve for {} epochs", cfg_.earlyStopping.monitor,
                                 cfg_.earlyStopping.patience));
  return true;
}

// restore_best_weights (Keras 3: at the end of training, stopped early or not): the model's
// variables, not the optimizer's state, return to the end of the best epoch.
void Loop::restoreBestWeights() {
  if (bestWeights_.empty()) return;
  Session::Snapshot now = session_->snapshotVariables();
  for (auto& [id, buffer] : bestWeights_)
    if (!model_.graph.node(id).attrs.getInt(kOptimizerSlotAttr, 0)) now[id] = buffer;
  session_->restoreVariables(now);
  if (!options_.quiet)
    display_.message(fmt::format("Restoring model weights from the end of the best epoch: {}.", bestEpoch_));
}

RunResult Loop::finish(const LabeledImages& testSet) {
  restoreBestWeights();
  if (!options_.savePath.empty())
    saveCheckpointFile(options_.savePath);
  else
    averageMovingStatistics();
  std::vector<int> predicted;
  Evaluation test = evaluate(testSet, indexRange(testSet.count, nullptr),
                             "interrupted during the final evaluation; " +
                                 (options_.savePath.empty() ? std::string("nothing saved (run with --save FILE to keep "
                                                                          "the trained weights)")
                                                            : "the trained weights are saved in " + options_.savePath),
                             runLog_ ? &predicted : nullptr);
  if (runLog_) runLog_->test(progress_.step, test.loss, test.metrics);
  if (runLog_ && !predicted.empty()) writeTestPredictions(options_.logDir, testSet, predicted);
  RunResult& result = result_;
  result.model = model_.graph.modelName;
  result.batch = cfg_.batch;
  result.metricNames = cfg_.metricNames;
  result.firstStep = firstStep_;
  result.testLoss = test.loss;
  result.testMetrics = test.metrics;
  result.epochs = std::min(totalEpochs_, static_cast<int64_t>(result.history.size()));
  result.steps = progress_.step - firstStep_;
  result.trainImagesPerSecond = trainSeconds_ > 0 ? static_cast<double>(trainImages_) / trainSeconds_ : 0;
  result.compileSeconds = session_->compileSeconds();
  result.kernels = session_->kernelCount();
  result.cacheHits = session_->cacheHits();
  result.ranks = comm_.size();
  result.allreduceSeconds = comm_.allreduceSeconds() + (parallel_.nccl ? parallel_.nccl->seconds() : 0.0);
  return result;
}

}  // namespace

std::vector<FeedSpec> evaluationFeeds(const TrainConfig& train, const Graph& graph) {
  std::vector<FeedSpec> feeds;
  for (const FeedSpec& f : train.feeds) {
    bool overridden = false;
    for (const FeedSpec& e : train.evalFeeds) overridden |= e.placeholder == f.placeholder;
    bool hasDefault = graph.node(f.placeholder).attrs.has("default");
    if (!overridden && !(f.kind == FeedSpec::Kind::Constant && hasDefault)) feeds.push_back(f);
  }
  feeds.insert(feeds.end(), train.evalFeeds.begin(), train.evalFeeds.end());
  return feeds;
}

TrainStep trainStep(const Model& model, const TrainGraph& train) {
  TrainStep step;
  step.updates = train.updates;
  step.updates.insert(step.updates.end(), model.stateUpdates.begin(), model.stateUpdates.end());
  step.fetches = {train.loss};
  step.fetches.insert(step.fetches.end(), model.train.metrics.begin(), model.train.metrics.end());
  step.firstUpdate = step.fetches.size();
  for (const VariableUpdate& u : step.updates) step.fetches.push_back(u.next);
  return step;
}

RunResult trainModel(Model& model, const RunOptions& options, std::ostream& log) {
  return Loop(model, options, log).run();
}

EvalResult evaluateCheckpoint(Model& model, const RunOptions& options, std::ostream& log) {
  return Loop(model, options, log).evaluateOnly();
}

}  // namespace graphc
