// \file The kernel cache (kernels/kernel_cache.h) through compileProgram: what the key depends on,
// a miss then a hit in a private cache folder, results equal to a naive loop and to the JIT's, a
// corrupted entry rebuilt, and an unusable folder falling back to the JIT.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "codegen/host_target.h"
#include "codegen/program.h"
#include "codegen/program_key.h"
#include "driver/pipeline.h"
#include "kernels/kernel_cache.h"
#include "testing/harness.h"

namespace graphc {
namespace {

// relu(a x b) * 0.5 for a [3, 4] and b [4, 5], and an unrelated value the program never computes.
struct SmallGraph {
  Graph g;
  int a, b, out, unrelated;
  explicit SmallGraph(double scale = 0.5) {
    a = addPlaceholder(g, "a", {3, 4});
    b = addPlaceholder(g, "b", {4, 5});
    int product = g.add(Op::Matmul, {a, b});
    out = g.add(Op::Mul, {g.add(Op::Relu, {product}), addConstant(g, scale)});
    unrelated = g.add(Op::Exp, {a});
  }
};

class KernelCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/graphc-cache-test-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // Runs the program on a and b and returns its output in the user's order.
  RefTensor run(CompiledProgram& program, const SmallGraph& s) {
    std::vector<Halide::Buffer<>> outs = program.allocateOutputs(s.g);
    program.run([&](int id) { return id == s.a ? toBuffer(a_) : toBuffer(b_); }, outs);
    return fromBuffer(outs[0]);
  }

  std::string dir_;
  std::mt19937 rng_{7};
  RefTensor a_ = randomTensor({3, 4}, rng_), b_ = randomTensor({4, 5}, rng_);
};

TEST(KernelCacheKey, DependsOnWhatTheProgramComputesOnly) {
  Halide::Target host = hostTarget();
  SmallGraph s;
  std::string base = programDescription(s.g, {s.out}, 1, host);
  EXPECT_EQ(base, programDescription(s.g, {s.out}, 1, host));
  // A value the program does not compute is not part of it...
  EXPECT_EQ(base.find("exp"), std::string::npos);
  // ...but a constant differing in the 12th digit, the batch, the outputs and the target are.
  SmallGraph close(0.5 + 1e-12);
  EXPECT_NE(base, programDescription(close.g, {close.out}, 1, host));
  EXPECT_NE(base, programDescription(s.g, {s.out}, 2, host));
  EXPECT_NE(base, programDescription(s.g, {s.out, s.unrelated}, 1, host));
  EXPECT_NE(base, programDescription(s.g, {s.out}, 1, host.without_feature(Halide::Target::AVX2)));
}

TEST_F(KernelCacheTest, MissThenHitWithTheSameResultsAsANaiveLoopAndTheJit) {
  SmallGraph s;
  RefTensor want{{3, 5}, std::vector<double>(15), DType::F32};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) {
      double sum = 0;
      for (int k = 0; k < 4; ++k)
        sum += a_.data[static_cast<size_t>(i * 4 + k)] * b_.data[static_cast<size_t>(k * 5 + j)];
      want.data[static_cast<size_t>(i * 5 + j)] = std::max(sum, 0.0) * 0.5;
    }
  CompileOptions cached;
  cached.cacheDir = dir_;
  CompiledProgram cold = compileProgram(s.g, {s.out}, 1, cached);
  EXPECT_FALSE(cold.cacheHit());
  CompiledProgram warm = compileProgram(s.g, {s.out}, 1, cached);
  EXPECT_TRUE(warm.cacheHit());
  CompiledProgram jit = compileProgram(s.g, {s.out}, 1);
  EXPECT_FALSE(jit.cacheHit());
  RefTensor fromJit = run(jit, s);
  EXPECT_TRUE(allClose(run(cold, s), want, 1e-5, 1e-6));
  EXPECT_TRUE(allClose(run(warm, s), want, 1e-5, 1e-6));
  EXPECT_EQ(run(warm, s).data, fromJit.data);  // bit for bit
}

TEST_F(KernelCacheTest, ACorruptedEntryIsRebuiltNotLoaded) {
  SmallGraph s;
  CompileOptions cached;
  cached.cacheDir = dir_;
  compileProgram(s.g, {s.out}, 1, cached);
  Halide::Target aot = cached.target.without_feature(Halide::Target::JIT);  // as compileProgram keys it
  std::string entry = cacheEntryPath(dir_, programDescription(s.g, {s.out}, 1, aot));
  ASSERT_EQ(access(entry.c_str(), R_OK), 0) << entry;
  {
    std::fstream f(entry, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.write("garbage!", 8);  // inside the ELF headers: loading it could crash, so it must not be loaded
  }
  CompiledProgram rebuilt = compileProgram(s.g, {s.out}, 1, cached);
  EXPECT_FALSE(rebuilt.cacheHit());
  CompiledProgram again = compileProgram(s.g, {s.out}, 1, cached);
  EXPECT_TRUE(again.cacheHit());
  EXPECT_EQ(run(rebuilt, s).data, run(again, s).data);
}

// The AOT runtime's default error handler calls abort(); the cache installs one that throws.
TEST_F(KernelCacheTest, ARuntimeErrorInACachedProgramThrowsInsteadOfAborting) {
  SmallGraph s;
  CompileOptions cached;
  cached.cacheDir = dir_;
  CompiledProgram program = compileProgram(s.g, {s.out}, 1, cached);
  std::vector<Halide::Buffer<>> outs = program.allocateOutputs(s.g);
  RefTensor wrong = randomTensor({3, 3}, rng_);  // a is [3, 4]: the pipeline's bounds check fails
  try {
    program.run([&](int id) { return id == s.a ? toBuffer(wrong) : toBuffer(b_); }, outs);
    FAIL() << "a too small input was accepted";
  } catch (const Halide::RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("in_"), std::string::npos) << e.what();  // names the input
  }
  EXPECT_TRUE(allClose(run(program, s), run(program, s), 0, 0));  // and the program still works
}

TEST_F(KernelCacheTest, AnUnusableFolderFallsBackToTheJit) {
  SmallGraph s;
  std::string file = dir_ + "/not-a-folder";
  std::ofstream(file) << "x";
  CompileOptions cached;
  cached.cacheDir = file;  // a file where the folder should be: the cache cannot be created
  CompiledProgram program = compileProgram(s.g, {s.out}, 1, cached);
  EXPECT_FALSE(program.cacheHit());
  EXPECT_EQ(run(program, s).data.size(), 15u);
}

}  // namespace
}  // namespace graphc
