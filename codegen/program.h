// \file A compiled program: the Halide pipeline that computes a set of graph values from the graph's
// sources (placeholders, variables) at one batch size, JIT-compiled once and run every step.
#pragma once

#include <Halide.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "codegen/host_target.h"
#include "ir/graph.h"
#include "kernels/loaded_kernel.h"
#include "passes/fusion.h"
#include "passes/simplify.h"

namespace graphc {

struct CompileOptions {
  Halide::Target target = jitTarget();
  // The persistent kernel cache's directory (kernels/kernel_cache.h); "" compiles with the JIT
  // every time (the library default, so tests never touch the user's cache; the CLI sets it).
  std::string cacheDir;
};

// True when the target runs kernels on a GPU API (CUDA, OpenCL...): the program is then scheduled
// with GPU schedules and its buffers live on the device between runs.
bool isGpuTarget(const Halide::Target& target);

// Declares a buffer's exact extents (userShape, batch bound) and dense row-major strides.
void declareShape(Halide::OutputImageParam buffer, const Shape& userShape);

class CompiledProgram {
 public:
  // The sources the outputs depend on, in id order: each must be bound before run().
  const std::vector<int>& inputs() const { return inputNodes_; }
  const std::vector<int>& outputs() const { return outputNodes_; }
  int64_t batch() const { return batch_; }
  double compileSeconds() const { return compileSeconds_; }
  // True when the program was loaded from the kernel cache instead of compiled.
  bool cacheHit() const { return cacheHit_; }
  // Names and schedules of the Funcs computed at root (what `dump --stage halide` shows).
  const std::vector<std::string>& kernelNames() const { return kernelNames_; }

  // Binds each input node to the buffer bindings returns for it, computes every output into the
  // matching buffer of outs (one per output node, allocated by the caller with the output's shape).
  void run(const std::function<Halide::Buffer<>(int nodeId)>& binding, std::vector<Halide::Buffer<>>& outs);

  // Buffers shaped for the outputs (Halide dimension order, batch bound).
  std::vector<Halide::Buffer<>> allocateOutputs(const Graph& graph) const;

  // The scheduled pipeline and its arguments (the inputs, in order), for the stmt/asm dumps.
  Halide::Pipeline& pipeline() { return pipeline_; }
  std::vector<Halide::Argument> arguments() const;

  // The pipeline (driver/pipeline.cpp) counts the stages before scheduling as compile time too.
  void addCompileSeconds(double seconds) { compileSeconds_ += seconds; }

 private:
  friend CompiledProgram scheduleProgram(const SimplifiedGraph&, const std::vector<int>&, const FusionPlan&,
                                         const Halide::Target&);
  friend void compileScheduled(CompiledProgram&, const Graph&, const CompileOptions&);
  std::vector<int> inputNodes_;
  std::vector<Halide::ImageParam> params_;
  std::vector<int> outputNodes_;
  Halide::Pipeline pipeline_;
  Halide::Target target_;
  int64_t batch_ = 0;
  double compileSeconds_ = 0;
  std::vector<std::string> kernelNames_;
  std::shared_ptr<LoadedKernel> cached_;  // set when the program runs from the kernel cache
  bool cacheHit_ = false;
};

// The pipeline's "halide" stage: lowers every value of the plan (made for simple.graph, at the
// plan's batch) to Halide and schedules its kernels at root for the target (GPU schedules for a
// GPU target), without compiling. outputs are ids in the graph simple was made from, the graph
// whose ids the program's inputs and outputs use. driver/pipeline.h's buildProgram runs the
// stages before it.
CompiledProgram scheduleProgram(const SimplifiedGraph& simple, const std::vector<int>& outputs, const FusionPlan& plan,
                                const Halide::Target& target);

// The pipeline's "jit" stage: loads the scheduled program from the kernel cache
// (options.cacheDir; the key is made from original, the graph its ids refer to) or JIT-compiles
// it for options.target.
void compileScheduled(CompiledProgram& program, const Graph& original, const CompileOptions& options);

// A buffer for a value of this type and (batch-bound) shape, in Halide's dimension order.
Halide::Buffer<> allocateValue(DType dtype, const Shape& boundShape);

// A 0-dimensional buffer of this dtype holding value (converted).
Halide::Buffer<> scalarValue(DType dtype, double value);
// Stores value (converted to dtype) in a 0-dimensional buffer made by scalarValue.
void setScalar(Halide::Buffer<>& buffer, DType dtype, double value);

}  // namespace graphc
