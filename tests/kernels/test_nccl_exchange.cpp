// \file The GPU gradients' exchange of data-parallel runs (runtime/nccl_exchange.h): NCCL sums
// buffers that Halide's CUDA kernels computed, in device memory, and Halide's next kernel reads
// the sums there; checked against the formulas the kernels compute. One rank (a communicator of
// one process), so one GPU is enough: the sum over the ranks is the rank's values times its
// weight. Without a GPU the test that needs one is skipped, and create() must say why it leaves the
// run to the host's exchange.
#include <gtest/gtest.h>

#include "codegen/host_target.h"
#include "runtime/nccl_exchange.h"
#include "testing/gpu_apis.h"

namespace graphc {
namespace {

// ramp(x) = 0.5 x + 1, computed by a CUDA kernel: left on the device (device-dirty).
Halide::Buffer<float> rampOnGpu(int n, const Halide::Target& target) {
  Halide::Func ramp("ramp");
  Halide::Var x("x"), block("block"), thread("thread");
  ramp(x) = Halide::cast<float>(x) * 0.5f + 1.0f;
  ramp.gpu_tile(x, block, thread, 64, Halide::TailStrategy::GuardWithIf);
  Halide::Buffer<float> out(n);
  ramp.realize(out, target);
  return out;
}

// twice(x) = 2 in(x), computed by a CUDA kernel that reads `in` where it lies.
Halide::Buffer<float> twiceOnGpu(const Halide::Buffer<float>& in, const Halide::Target& target) {
  Halide::Func twice("twice");
  Halide::Var x("x"), block("block"), thread("thread");
  twice(x) = in(x)*2.0f;
  twice.gpu_tile(x, block, thread, 64, Halide::TailStrategy::GuardWithIf);
  Halide::Buffer<float> out(in.width());
  twice.realize(out, target);
  out.copy_to_host();
  return out;
}

TEST(NcclExchange, OnlyCudaTargetsExchangeOnTheGpu) {
  Communicator one(false);
  EXPECT_EQ(NcclExchange::create(one, jitTarget()), nullptr);
  EXPECT_EQ(NcclExchange::create(one, jitTarget().with_feature(Halide::Target::OpenCL)), nullptr);
  EXPECT_EQ(builtWithNccl(), !ncclVersion().empty());
}

// Without a usable GPU the run keeps to the host's exchange, and says why.
TEST(NcclExchange, WithoutAGpuTheRunSumsOnTheHost) {
  if (!builtWithNccl()) GTEST_SKIP() << "graphc was built without NCCL (GRAPHC_NCCL, the CUDA toolkit's libnccl)";
  if (gpuMissing("cuda").empty()) GTEST_SKIP() << "this machine has a CUDA device";
  Communicator one(false);
  testing::internal::CaptureStderr();
  std::unique_ptr<NcclExchange> exchange = NcclExchange::create(one, gpuTarget("cuda"));
  std::string said = testing::internal::GetCapturedStderr();
  EXPECT_EQ(exchange, nullptr);
  EXPECT_NE(said.find("warning: rank 0: no usable CUDA device"), std::string::npos) << said;
  EXPECT_NE(said.find("summed on the host"), std::string::npos) << said;
}

TEST(NcclExchange, SumsHalideGpuBuffersWhereTheyLie) {
  if (!builtWithNccl()) GTEST_SKIP() << "graphc was built without NCCL (GRAPHC_NCCL, the CUDA toolkit's libnccl)";
  Halide::Target target = gpuTarget("cuda");
  // As `graphc run --target cuda` does (tools/target_flag.cpp): Halide's probe creates its own
  // CUDA context before the exchange moves the runtime to the primary one.
  if (std::string missing = gpuMissing("cuda"); !missing.empty()) GTEST_SKIP() << missing;
  Communicator one(false);
  std::unique_ptr<NcclExchange> exchange = NcclExchange::create(one, target);
  ASSERT_NE(exchange, nullptr);
  EXPECT_EQ(exchange->device(), 0);

  constexpr int kDevice = 1000, kHost = 300;
  constexpr float kWeight = 0.25f;
  Halide::Buffer<float> computed = rampOnGpu(kDevice, target);
  ASSERT_TRUE(computed.device_dirty());
  Halide::Buffer<float> filled(kHost);  // newest on the host: copied to the device first
  for (int i = 0; i < kHost; ++i) filled(i) = 3.0f - static_cast<float>(i);
  filled.set_host_dirty();
  std::vector<Halide::Buffer<>> buffers = {computed, filled};
  exchange->sumOnDevice(buffers, kWeight);
  EXPECT_TRUE(computed.device_dirty());
  EXPECT_TRUE(filled.device_dirty());
  EXPECT_GT(exchange->seconds(), 0.0);

  // One rank: each sum is the rank's values times its weight; a kernel reads them on the device.
  Halide::Buffer<float> doubled = twiceOnGpu(computed, target);
  for (int i = 0; i < kDevice; ++i)
    ASSERT_FLOAT_EQ(doubled(i), 2.0f * kWeight * (0.5f * static_cast<float>(i) + 1.0f)) << "element " << i;
  filled.copy_to_host();
  for (int i = 0; i < kHost; ++i)
    ASSERT_FLOAT_EQ(filled(i), kWeight * (3.0f - static_cast<float>(i))) << "element " << i;

  // A second sum on the same buffers (the next step's), with another weight.
  std::vector<Halide::Buffer<>> again = {computed};
  exchange->sumOnDevice(again, 2.0f);
  computed.copy_to_host();
  for (int i = 0; i < kDevice; ++i)
    ASSERT_FLOAT_EQ(computed(i), 2.0f * kWeight * (0.5f * static_cast<float>(i) + 1.0f)) << "element " << i;
}

}  // namespace
}  // namespace graphc
