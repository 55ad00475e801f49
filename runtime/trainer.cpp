// \file The epoch loop. Loss and metrics per epoch are means over the epoch's batches, weighted by
// batch size, as Keras reports them; validation and test use the same evaluation program.
#include "runtime/trainer.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <random>

#include "frontend/diagnostics.h"
#include "runtime/dataset.h"
#include "runtime/feeder.h"
#include "runtime/session.h"

namespace graphc {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

constexpr int64_t kEvalBatch = 1000;  // evaluation has no gradients, so a large batch is cheap

// Mean loss and metrics over a whole data set.
struct Evaluation {
  double loss = 0;
  std::vector<double> metrics;
};

class Loop {
 public:
  Loop(Model& model, const RunOptions& options, std::ostream& log)
      : model_(model), cfg_(model.train), options_(options), log_(log) {}

  RunResult run();

 private:
  void feedBatch(const std::vector<FeedSpec>& feeds, const LabeledImages& data, const std::vector<int64_t>& order,
                 int64_t first, int64_t batch);
  Evaluation evaluate(const LabeledImages& data);
  void printEpoch(const EpochRecord& r, int64_t totalEpochs);

  Model& model_;
  TrainConfig& cfg_;
  const RunOptions& options_;
  std::ostream& log_;
  std::unique_ptr<Session> session_;
  std::vector<FeedSpec> evalFeeds_;
  std::map<std::pair<int, int64_t>, Halide::Buffer<>> feedBuffers_;
  double scale_ = 1;
};

void Loop::feedBatch(const std::vector<FeedSpec>& feeds, const LabeledImages& data, const std::vector<int64_t>& order,
                     int64_t first, int64_t batch) {
  for (const FeedSpec& f : feeds) {
    auto key = std::make_pair(f.placeholder, f.kind == FeedSpec::Kind::Constant ? 0 : batch);
    auto it = feedBuffers_.find(key);
    if (it == feedBuffers_.end()) it = feedBuffers_.emplace(key, feedBuffer(model_.graph, f, batch)).first;
    fillFeed(model_.graph, f, data, scale_, order, first, batch, it->second);
    session_->feed(f.placeholder, it->second);
  }
}

Evaluation Loop::evaluate(const LabeledImages& data) {
  std::vector<int> fetches = {cfg_.minimize};
  fetches.insert(fetches.end(), cfg_.metrics.begin(), cfg_.metrics.end());
  std::vector<int64_t> order(static_cast<size_t>(data.count));
  for (int64_t i = 0; i < data.count; ++i) order[static_cast<size_t>(i)] = i;
  Evaluation e;
  e.metrics.assign(cfg_.metrics.size(), 0.0);
  for (int64_t first = 0; first < data.count; first += kEvalBatch) {
    int64_t batch = std::min(kEvalBatch, data.count - first);
    feedBatch(evalFeeds_, data, order, first, batch);
    auto& outs = session_->run(fetches, batch);
    double w = static_cast<double>(batch) / static_cast<double>(data.count);
    e.loss += w * Halide::Buffer<float>(outs[0])();
    for (size_t m = 0; m < cfg_.metrics.size(); ++m) e.metrics[m] += w * Halide::Buffer<float>(outs[m + 1])();
  }
  return e;
}

void Loop::printEpoch(const EpochRecord& r, int64_t totalEpochs) {
  if (options_.quiet) return;
  std::ostringstream os;
  os << std::fixed << "Epoch " << r.epoch << "/" << totalEpochs << " - " << std::setprecision(1) << r.seconds << "s"
     << std::setprecision(4) << " - loss: " << r.loss;
  for (size_t m = 0; m < r.metrics.size(); ++m) os << " - " << cfg_.metricNames[m] << ": " << r.metrics[m];
  if (r.validated) {
    os << " - val_loss: " << r.valLoss;
    for (size_t m = 0; m < r.valMetrics.size(); ++m) os << " - val_" << cfg_.metricNames[m] << ": " << r.valMetrics[m];
  }
  log_ << os.str() << std::endl;
}

// The value early stopping watches; smaller is better (accuracies are negated).
double monitored(const EpochRecord& r, const std::string& monitor) {
  bool acc = monitor.find("acc") != std::string::npos;
  bool val = monitor.rfind("val_", 0) == 0;
  double v = acc ? (val ? (r.valMetrics.empty() ? 0 : r.valMetrics[0]) : (r.metrics.empty() ? 0 : r.metrics[0]))
                 : (val ? r.valLoss : r.loss);
  return acc ? -v : v;
}

RunResult Loop::run() {
  if (!cfg_.present) throw UserError({}, "the model has no train block; `graphc run` needs one (spec section 6)");
  if (cfg_.data.kind.empty()) throw UserError(cfg_.loc, "the train block needs `data`, such as data = mnist(scale = 1/255)");
  if (cfg_.minimize < 0) throw UserError(cfg_.loc, "the train block needs `minimize`, the scalar loss to minimize");
  if (options_.batch) cfg_.batch = *options_.batch;
  if (options_.epochs) cfg_.epochs = *options_.epochs, cfg_.steps = 0;
  if (options_.steps) cfg_.steps = *options_.steps;
  if (options_.seed) cfg_.seed = *options_.seed;
  if (options_.learningRate) cfg_.optimizer.learningRate = *options_.learningRate;
  scale_ = cfg_.data.scale;

  TrainGraph train = buildTrainGraph(model_.graph, cfg_.minimize, cfg_.optimizer, cfg_.minimizeLoc);
  std::string dataDir = options_.dataDir.empty() ? defaultDataDir() : options_.dataDir;
  DataSplit data = loadDataSet(cfg_.data, dataDir);
  checkFeeds(model_.graph, cfg_.feeds, data.train);
  // Evaluation feeds: the train feeds, overridden by eval_feed; placeholders with a default drop out.
  for (const FeedSpec& f : cfg_.feeds) {
    bool overridden = false;
    for (const FeedSpec& e : cfg_.evalFeeds) overridden |= e.placeholder == f.placeholder;
    bool hasDefault = model_.graph.node(f.placeholder).attrs.has("default");
    if (!overridden && !(f.kind == FeedSpec::Kind::Constant && hasDefault)) evalFeeds_.push_back(f);
  }
  evalFeeds_.insert(evalFeeds_.end(), cfg_.evalFeeds.begin(), cfg_.evalFeeds.end());
  checkFeeds(model_.graph, evalFeeds_, data.test);

  session_ = std::make_unique<Session>(model_.graph, cfg_.seed, options_.compile);
  Halide::Buffer<float> lr = Halide::Buffer<float>::make_scalar();
  lr() = static_cast<float>(cfg_.optimizer.learningRate);
  session_->feed(train.learningRate, lr);

  std::vector<int> fetches = {train.loss};
  fetches.insert(fetches.end(), cfg_.metrics.begin(), cfg_.metrics.end());
  size_t firstUpdate = fetches.size();
  for (const VariableUpdate& u : train.updates) fetches.push_back(u.next);

  const LabeledImages& trainSet = data.train;
  int64_t batch = cfg_.batch;
  int64_t stepsPerEpoch = (trainSet.count + batch - 1) / batch;
  int64_t totalSteps = cfg_.steps > 0 ? cfg_.steps : cfg_.epochs * stepsPerEpoch;
  int64_t totalEpochs = (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch;

  RunResult result;
  result.model = model_.graph.modelName;
  result.batch = batch;
  result.metricNames = cfg_.metricNames;
  std::vector<int64_t> order(static_cast<size_t>(trainSet.count));
  std::mt19937_64 rng(cfg_.seed * 0x9E3779B97F4A7C15ull + 1);
  double trainSeconds = 0;
  int64_t trainImages = 0, step = 0;
  double best = INFINITY;
  int64_t sinceBest = 0;
  for (int64_t epoch = 1; epoch <= totalEpochs && step < totalSteps; ++epoch) {
    for (int64_t i = 0; i < trainSet.count; ++i) order[static_cast<size_t>(i)] = i;
    if (cfg_.shuffle)
      for (int64_t i = trainSet.count - 1; i > 0; --i)
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng() % static_cast<uint64_t>(i + 1))]);
    auto epochStart = Clock::now();
    EpochRecord rec;
    rec.epoch = epoch;
    rec.metrics.assign(cfg_.metrics.size(), 0.0);
    int64_t seen = 0;
    for (int64_t first = 0; first < trainSet.count && step < totalSteps; first += batch, ++step) {
      int64_t b = std::min(batch, trainSet.count - first);
      feedBatch(cfg_.feeds, trainSet, order, first, b);
      auto stepStart = Clock::now();
      auto& outs = session_->run(fetches, b);
      for (size_t u = 0; u < train.updates.size(); ++u) session_->assignVariable(train.updates[u].variable, outs[firstUpdate + u]);
      // The first run of a program includes its compilation, which is not training time.
      if (session_->compileSeconds() > result.compileSeconds) result.compileSeconds = session_->compileSeconds();
      else trainSeconds += since(stepStart), trainImages += b;
      double loss = Halide::Buffer<float>(outs[0])();
      if (!std::isfinite(loss))
        throw std::runtime_error("the loss became " + std::to_string(loss) + " at step " + std::to_string(step + 1));
      rec.loss += loss * static_cast<double>(b);
      for (size_t m = 0; m < cfg_.metrics.size(); ++m) rec.metrics[m] += Halide::Buffer<float>(outs[m + 1])() * static_cast<double>(b);
      seen += b;
    }
    rec.loss /= static_cast<double>(seen);
    for (double& m : rec.metrics) m /= static_cast<double>(seen);
    if (cfg_.validation == "test") {
      Evaluation v = evaluate(data.test);
      rec.validated = true;
      rec.valLoss = v.loss;
      rec.valMetrics = v.metrics;
    }
    rec.seconds = since(epochStart);
    printEpoch(rec, totalEpochs);
    result.history.push_back(rec);
    if (cfg_.earlyStopping.enabled) {
      double value = monitored(rec, cfg_.earlyStopping.monitor);
      if (value < best) best = value, sinceBest = 0;
      else if (++sinceBest >= cfg_.earlyStopping.patience) {
        result.stoppedEarly = true;
        if (!options_.quiet) log_ << "Early stopping: " << cfg_.earlyStopping.monitor << " did not improve for "
                                  << cfg_.earlyStopping.patience << " epochs" << std::endl;
        break;
      }
    }
  }
  Evaluation test = evaluate(data.test);
  result.testLoss = test.loss;
  result.testMetrics = test.metrics;
  result.epochs = static_cast<int64_t>(result.history.size());
  result.steps = step;
  result.trainImagesPerSecond = trainSeconds > 0 ? static_cast<double>(trainImages) / trainSeconds : 0;
  result.compileSeconds = session_->compileSeconds();
  result.kernels = session_->kernelCount();
  return result;
}

}  // namespace

RunResult trainModel(Model& model, const RunOptions& options, std::ostream& log) { return Loop(model, options, log).run(); }

}  // namespace graphc
