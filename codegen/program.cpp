// \file Builds one Halide pipeline for a set of graph outputs from the simplified graph and its
// fusion plan: sources become ImageParams, the nodes are lowered and the plan's kernels scheduled
// by lowerAndSchedule (the values fused into them are inlined: Halide's inlining is our fusion),
// then the pipeline is JIT-compiled or loaded from the kernel cache.
#include "codegen/program.h"

#include <chrono>
#include <iostream>
#include <mutex>
#include <set>

#include "codegen/lower_graph.h"
#include "codegen/lowering.h"
#include "codegen/program_key.h"
#include "codegen/schedule_gpu.h"
#include "kernels/buffer_pool.h"
#include "kernels/device_runtime.h"
#include "kernels/kernel_cache.h"

namespace graphc {

Halide::Buffer<> allocateValue(DType dtype, const Shape& boundShape) {
  std::vector<int> sizes(boundShape.rbegin(), boundShape.rend());
  return Halide::Buffer<>(halideType(dtype), sizes);
}

void setScalar(Halide::Buffer<>& b, DType dtype, double value) {
  switch (dtype) {
    case DType::F32:
      *static_cast<float*>(b.data()) = static_cast<float>(value);
      break;
    case DType::I32:
      *static_cast<int32_t*>(b.data()) = static_cast<int32_t>(value);
      break;
    case DType::Bool:
      *static_cast<bool*>(b.data()) = value != 0;
      break;
  }
}

Halide::Buffer<> scalarValue(DType dtype, double value) {
  Halide::Buffer<> b = allocateValue(dtype, {});
  setScalar(b, dtype, value);
  return b;
}

// Declares a buffer's exact extents and dense row-major strides: the program is built for one
// batch size, so every shape is a constant and Halide can fold strides, loop bounds and tail
// checks (a tile's guarded last lanes, say) at compile time instead of testing them at run time.
void declareShape(Halide::OutputImageParam buffer, const Shape& userShape) {
  int stride = 1;
  for (int d = 0; d < static_cast<int>(userShape.size()); ++d) {
    int extent = static_cast<int>(userShape[userShape.size() - 1 - static_cast<size_t>(d)]);
    buffer.dim(d).set_bounds(0, extent).set_stride(stride);
    stride *= extent;
  }
}

bool isGpuTarget(const Halide::Target& target) { return target.has_gpu_feature(); }

CompiledProgram scheduleProgram(const SimplifiedGraph& simple, const std::vector<int>& outputs, const FusionPlan& plan,
                                const Halide::Target& target) {
  bool gpu = isGpuTarget(target);
  int64_t batch = plan.batch;
  CompiledProgram program;
  program.batch_ = batch;
  program.outputNodes_ = outputs;
  // The program computes the simplified graph; callers bind its sources and read its outputs by
  // their ids in the original graph.
  const Graph& graph = simple.graph;
  std::vector<int> roots;
  for (int id : outputs) roots.push_back(simple.newId[static_cast<size_t>(id)]);
  ExternalValue source = [&](const Node& n, const Shape& shape) {
    int original = simple.original[static_cast<size_t>(n.id)];
    Halide::ImageParam p(halideType(n.dtype), static_cast<int>(shape.size()), "in_" + std::to_string(original));
    declareShape(p, shape);
    program.inputNodes_.push_back(original);
    program.params_.push_back(p);
    Halide::Func f("src_" + std::to_string(n.id));
    defineFunc(f, shape.size(), [&](const std::vector<Halide::Var>& v) { return at(p, toExprs(v)); });
    return f;
  };
  LoweredGraph lowered = lowerAndSchedule(graph, plan.live, plan.kernels, batch, target, source);
  program.kernelNames_ = lowered.kernelNames;

  std::vector<Halide::Func> outs;
  std::set<int> seen;
  for (int id : roots) {
    Halide::Func f = lowered.output(id);
    // A Func listed twice among a Pipeline's outputs fills only one of the buffers: a repeated
    // output (autodiff's x + y gives both the same gradient node) is realized through a copy.
    if (!seen.insert(id).second) {
      Halide::Func copy(f.name() + "_output" + std::to_string(outs.size()));
      copy(f.args()) = f(f.args());
      if (gpu) {
        int64_t elements = 1;
        for (int64_t d : bindBatch(graph.node(id).shape, batch)) elements *= d;
        scheduleFuncGpu(copy, elements);
      }
      f = copy;
    }
    declareShape(f.output_buffer(), bindBatch(graph.node(id).shape, batch));
    outs.push_back(f);
  }
  program.pipeline_ = Halide::Pipeline(outs);
  return program;
}

void compileScheduled(CompiledProgram& program, const Graph& original, const CompileOptions& options) {
  auto start = std::chrono::steady_clock::now();
  prepareDeviceRuntime(options.target);
  program.target_ = options.target;
  // GPU targets stay on the JIT path: a cached shared object's runtime would own the device state.
  if (!options.cacheDir.empty() && !options.target.has_gpu_feature()) {
    try {
      Halide::Target aot = options.target.without_feature(Halide::Target::JIT);
      CacheLookup lookup =
          loadOrCompileCached(options.cacheDir, programDescription(original, program.outputNodes_, program.batch_, aot),
                              program.pipeline_, program.arguments(), aot);
      program.cached_ = lookup.kernel;
      program.cacheHit_ = lookup.hit;
    } catch (const CacheUnavailable& e) {
      // Said once: a run compiles several programs, and the reason is usually the same for all.
      static std::mutex mutex;
      static std::set<std::string> said;
      std::lock_guard<std::mutex> lock(mutex);
      if (said.insert(e.what()).second) std::cerr << "graphc: warning: kernel cache not used: " << e.what() << "\n";
    }
  }
  if (!program.cached_) {
    usePooledAllocator(program.pipeline_);
    // Device buffers of intermediate kernels are kept for the next step instead of freed and
    // allocated again (a device allocation costs far more than a host one).
    if (isGpuTarget(options.target)) Halide::Internal::JITSharedRuntime::reuse_device_allocations(true);
    program.pipeline_.compile_jit(options.target);
  }
  program.compileSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<Halide::Argument> CompiledProgram::arguments() const {
  std::vector<Halide::Argument> args;
  for (const Halide::ImageParam& p : params_) args.push_back(p);
  return args;
}

std::vector<Halide::Buffer<>> CompiledProgram::allocateOutputs(const Graph& graph) const {
  std::vector<Halide::Buffer<>> bufs;
  for (int id : outputNodes_) {
    const Node& n = graph.node(id);
    bufs.push_back(allocateValue(n.dtype, bindBatch(n.shape, batch_)));
  }
  return bufs;
}

void CompiledProgram::run(const std::function<Halide::Buffer<>(int nodeId)>& binding,
                          std::vector<Halide::Buffer<>>& outs) {
  if (cached_) {
    // The argv entry point takes the inputs, then the outputs. The Buffers are held here, so
    // the raw pointers stay valid through the call.
    std::vector<Halide::Buffer<>> inputs;
    std::vector<halide_buffer_t*> args;
    for (int id : inputNodes_) inputs.push_back(binding(id));
    for (Halide::Buffer<>& b : inputs) args.push_back(b.raw_buffer());
    for (Halide::Buffer<>& b : outs) args.push_back(b.raw_buffer());
    cached_->call(args);
    return;
  }
  for (size_t i = 0; i < inputNodes_.size(); ++i) params_[i].set(binding(inputNodes_[i]));
  Halide::Realization realization(outs);
  pipeline_.realize(realization, target_);
}

}  // namespace graphc
