// \file GPU schedules: the train step and the evaluation program of every example lower for CUDA
// and OpenCL with every loop inside a GPU kernel. A loop left on the host would run there and
// copy buffers between host and device in the middle of a step; Halide accepts that silently,
// so the test walks the lowered statement. (Running the kernels: tests/e2e/opencl_training.sh.)
#include <gtest/gtest.h>

#include "codegen/host_target.h"
#include "codegen/program.h"
#include "driver/pipeline.h"
#include "runtime/trainer.h"

namespace graphc {
namespace {

// The loops of a lowered host function and its kernel launches. Lowering for a GPU target
// compiles each GPU loop nest into a kernel of the module's device code and leaves in its place a
// call of the runtime's launcher (halide_cuda_run, halide_opencl_run): any loop still in the host
// function runs on the host.
class LoopCensus : public Halide::Internal::IRVisitor {
 public:
  std::vector<std::string> hostLoops;
  int kernels = 0;

 private:
  using IRVisitor::visit;
  void visit(const Halide::Internal::For* op) override {
    hostLoops.push_back(op->name);
    IRVisitor::visit(op);
  }
  void visit(const Halide::Internal::Call* op) override {
    if (op->name == "halide_cuda_run" || op->name == "halide_opencl_run") ++kernels;
    IRVisitor::visit(op);
  }
};

struct Case {
  std::string example;
  bool train;  // the train step, else the evaluation program (loss and metrics)
};

std::string caseName(const testing::TestParamInfo<Case>& info) {
  return info.param.example + (info.param.train ? "_train" : "_eval");
}

class GpuSchedule : public testing::TestWithParam<Case> {};

void expectAllOnDevice(const Graph& graph, const std::vector<int>& fetches, int64_t batch,
                       const Halide::Target& target) {
  CompiledProgram program = buildProgram(graph, fetches, batch, target);
  Halide::Module module = program.pipeline().compile_to_module(program.arguments(), "step", target);
  LoopCensus census;
  for (const Halide::Internal::LoweredFunc& f : module.functions()) f.body.accept(&census);
  EXPECT_GE(census.kernels, static_cast<int>(program.kernelNames().size())) << target.to_string();
  EXPECT_TRUE(census.hostLoops.empty()) << target.to_string() << ": " << census.hostLoops.size()
                                        << " loops on the host, the first " << census.hostLoops.front();
}

TEST_P(GpuSchedule, EveryLoopRunsOnTheDevice) {
  Model model = loadModel(std::string(GRAPHC_SOURCE_DIR) + "/examples/" + GetParam().example + ".mnn");
  std::vector<int> fetches = {model.train.minimize};
  fetches.insert(fetches.end(), model.train.metrics.begin(), model.train.metrics.end());
  int64_t batch = 1000;  // the evaluation batch
  if (GetParam().train) {
    TrainGraph train =
        buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
    fetches = trainStep(model, train).fetches;
    batch = model.train.batch;
  }
  // Both APIs get the same schedules; CUDA's code generation of a train step takes seconds, and
  // tests/e2e/ptx.sh compiles every train step for CUDA (and assembles it) already.
  Halide::Target host = hostTarget();
  expectAllOnDevice(model.graph, fetches, batch, host.with_feature(Halide::Target::OpenCL));
  if (!GetParam().train)
    expectAllOnDevice(model.graph, fetches, batch,
                      host.with_feature(Halide::Target::CUDA).with_feature(Halide::Target::CUDACapability80));
}

std::vector<Case> allCases() {
  std::vector<Case> cases;
  for (const char* name : {"lenet5", "mlp", "small_cnn", "cnn16", "cnn_bn", "mnist_deep", "tf_cnn"})
    for (bool train : {true, false}) cases.push_back({name, train});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Examples, GpuSchedule, testing::ValuesIn(allCases()), caseName);

// The v2 nn layers' model (bench/depthwise.mnn: depthwise, separable, global pooling): its train step too.
TEST(GpuScheduleV2, DepthwiseModelRunsOnTheDevice) {
  Model model = loadModel(std::string(GRAPHC_SOURCE_DIR) + "/bench/depthwise.mnn");
  TrainGraph train = buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
  Halide::Target host = hostTarget();
  expectAllOnDevice(model.graph, trainStep(model, train).fetches, model.train.batch,
                    host.with_feature(Halide::Target::OpenCL));
}

// A host target keeps the CPU schedules: loops on the host, no GPU kernels.
TEST(GpuScheduleHost, HostTargetHasNoKernels) {
  Model model = loadModel(std::string(GRAPHC_SOURCE_DIR) + "/examples/mlp.mnn");
  Halide::Target host = hostTarget();
  CompiledProgram program = buildProgram(model.graph, {model.train.minimize}, 10, host);
  Halide::Module module = program.pipeline().compile_to_module(program.arguments(), "eval", host);
  LoopCensus census;
  for (const Halide::Internal::LoweredFunc& f : module.functions()) f.body.accept(&census);
  EXPECT_EQ(census.kernels, 0);
  EXPECT_FALSE(census.hostLoops.empty());
}

}  // namespace
}  // namespace graphc
