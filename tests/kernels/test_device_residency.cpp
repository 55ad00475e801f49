// \file Device residency on a GPU target (OpenCL, where PoCL runs it on the CPU; CUDA on a GPU):
// across train steps the variables and the optimizer state stay on the device, and each step
// copies only the fed batch in and the loss and metrics out. The copies are counted by Session::transfers from Halide's
// dirty flags; the test checks the count per step against the model's feeds and fetches, checks
// the flags themselves after each run (the batch was consumed, the next values of the variables
// exist only on the device), and checks the trained values against the host target's.
#include <gtest/gtest.h>

#include <cmath>

#include "codegen/kernel_bench.h"
#include "driver/pipeline.h"
#include "runtime/session.h"
#include "runtime/trainer.h"
#include "testing/gpu_apis.h"

namespace graphc {
namespace {

Halide::Buffer<> randomBatch(const Graph& graph, int id, int64_t batch, uint64_t seed) {
  const Node& n = graph.node(id);
  Halide::Buffer<> b = allocateValue(n.dtype, bindBatch(n.shape, batch));
  fillRandom(b, n.dtype, seed);
  return b;
}

// Once per GPU API (testing/gpu_apis.h), skipped where the API has no device.
class DeviceResidency : public testing::TestWithParam<std::string> {};

TEST_P(DeviceResidency, TrainStepsCopyOnlyTheBatchInAndTheMetricsOut) {
  if (std::string missing = gpuMissing(GetParam()); !missing.empty()) GTEST_SKIP() << missing;
  Model model = loadModel(std::string(GRAPHC_SOURCE_DIR) + "/tests/golden/tiny_mlp.mnn");
  Graph& graph = model.graph;
  TrainGraph train = buildTrainGraph(graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
  TrainStep step = trainStep(model, train);
  int x = graph.findByName("x"), y = graph.findByName("y");
  ASSERT_GE(x, 0);
  ASSERT_GE(y, 0);
  constexpr int64_t kBatch = 16;
  constexpr int kSteps = 4;

  CompileOptions gpuOptions;
  gpuOptions.target = gpuTarget(GetParam());
  Session gpu(graph, 5, gpuOptions), host(graph, 5);
  for (Session* s : {&gpu, &host}) s->feed(train.learningRate, scalarValue(DType::F32, 0.1));
  size_t variables = graph.variables(false).size();

  for (int s = 1; s <= kSteps; ++s) {
    Halide::Buffer<> gx = randomBatch(graph, x, kBatch, s), gy = randomBatch(graph, y, kBatch, 100 + s);
    gpu.feed(x, gx);
    gpu.feed(y, gy);
    host.feed(x, randomBatch(graph, x, kBatch, s));
    host.feed(y, randomBatch(graph, y, kBatch, 100 + s));
    DeviceTransfers before = gpu.transfers();
    auto& outs = gpu.run(step.fetches, kBatch, step.firstUpdate);
    DeviceTransfers after = gpu.transfers();
    // In: the batch (x, y); the first step also every variable and the learning rate. Out: the
    // loss and the metrics.
    EXPECT_EQ(after.toDevice - before.toDevice, s == 1 ? static_cast<int64_t>(variables) + 3 : 2) << "step " << s;
    EXPECT_EQ(after.toHost - before.toHost, static_cast<int64_t>(step.firstUpdate)) << "step " << s;
    EXPECT_FALSE(gx.host_dirty()) << "the run did not take the batch to the device";
    for (size_t i = step.firstUpdate; i < outs.size(); ++i) {
      EXPECT_TRUE(outs[i].device_dirty()) << "output " << i << " is not on the device";
      EXPECT_FALSE(outs[i].host_dirty()) << "output " << i;
    }
    float gpuLoss = Halide::Buffer<float>(outs[0])();
    for (size_t u = 0; u < step.updates.size(); ++u)
      gpu.assignVariable(step.updates[u].variable, outs[step.firstUpdate + u]);
    auto& hostOuts = host.run(step.fetches, kBatch, step.firstUpdate);
    EXPECT_NEAR(gpuLoss, Halide::Buffer<float>(hostOuts[0])(), 1e-5) << "loss at step " << s;
    for (size_t u = 0; u < step.updates.size(); ++u)
      host.assignVariable(step.updates[u].variable, hostOuts[step.firstUpdate + u]);
  }

  // Reading the variables brings each of them back once, with the values the host computed.
  DeviceTransfers before = gpu.transfers();
  for (int id : graph.variables(false)) {
    Halide::Buffer<float> g = gpu.variable(id), h = host.variable(id);
    ASSERT_EQ(g.number_of_elements(), h.number_of_elements());
    for (size_t i = 0; i < g.number_of_elements(); ++i)
      ASSERT_NEAR(g.data()[i], h.data()[i], 1e-5 + 1e-4 * std::fabs(h.data()[i]))
          << graph.node(id).name << "[" << i << "]";
  }
  EXPECT_EQ(gpu.transfers().toHost - before.toHost, static_cast<int64_t>(step.updates.size()));
}

INSTANTIATE_TEST_SUITE_P(Api, DeviceResidency, testing::ValuesIn(gpuApis()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace graphc
