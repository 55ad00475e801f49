// \file The compiler's pipeline, one stage after another:
//
//   parse -> lower -> stable-losses -> autodiff (+ optimizer) -> simplify -> fusion -> halide
//   (lowering and schedules) -> jit (or the kernel cache) | aot (a static library)
//
// Each stage is a function below, in that order, and runs through one wrapper (runStage in
// pipeline.cpp) that times it (--time-passes), can print what it made (--print-after-all) and
// runs the graph verifier (ir/verifier.h) on its output in Debug builds or with --verify-each.
// The verbs, the trainer and the session call these functions, never the passes themselves.
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

#include "codegen/aot.h"
#include "codegen/host_target.h"
#include "codegen/program.h"
#include "frontend/ast.h"
#include "ir/model.h"
#include "passes/fusion.h"
#include "passes/optimizer.h"
#include "passes/simplify.h"

namespace graphc {

// How every stage runs; the command line sets it once, from its flags.
struct PipelineOptions {
  bool timePasses = false;     // --time-passes: record each stage's wall time (stageTimes)
  bool verifyEach = false;     // --verify-each: the verifier after every stage (Debug builds always)
  bool printAfterAll = false;  // --print-after-all: each stage's output on the standard error stream
};
void setPipelineOptions(const PipelineOptions& options);
const PipelineOptions& pipelineOptions();

// The wall time spent in one stage, over every time it ran (a run compiles a train step and an
// evaluation program: simplify, fusion, halide and jit run twice).
struct StageTime {
  std::string stage;
  int runs = 0;
  double seconds = 0;
};
// The stages that ran so far, in pipeline order.
std::vector<StageTime> stageTimes();

// Stages 1-3, the front end: the .mnn text parsed (parse), lowered to the typed graph (lower),
// then Keras' probability losses rewritten into their stable logit form (stable-losses).
// Throws UserError / InputError for problems in the input.
Program parseModel(const std::string& path);
Model lowerModel(const Program& program);
// parseModel then lowerModel.
Model loadModel(const std::string& path);
// The same on text already in memory; file names the source in diagnostics (the fuzzers'
// entry point: tests/fuzz/fuzz_frontend.cpp).
Model loadModelSource(const std::string& file, const std::string& source);

// Stage 4, autodiff: the gradient of the train block's minimize value and the optimizer's
// updates appended to model.graph (passes/optimizer.h). The train block must have `minimize`.
// feedGradients: the updates read the gradients from placeholders (data-parallel training).
TrainGraph differentiate(Model& model, bool feedGradients = false);
// The checks `graphc check` adds to type checking: the train block's minimize value is a
// scalar that depends on a trainable variable (autodiff runs on a copy of the graph).
void checkTrainable(const Model& model);

// Stages 5-7 for the program computing outputs of graph at one batch size: simplify (the graph
// the program computes, passes/simplify.h), fusion (its kernels, passes/fusion.h; the plan is over
// simple.graph), halide (Halide Funcs and schedules for target, codegen/program.h).
SimplifiedGraph simplify(const Graph& graph, const std::vector<int>& outputs);
FusionPlan fuse(const SimplifiedGraph& simple, const std::vector<int>& outputs, int64_t batch);
CompiledProgram schedule(const SimplifiedGraph& simple, const std::vector<int>& outputs, const FusionPlan& plan,
                         const Halide::Target& target);
// The three in order, without compiling: for dumps of the Halide program and for tests.
CompiledProgram buildProgram(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                             const Halide::Target& target = hostTarget());

// Stage 8, jit: buildProgram, then the program loaded from the kernel cache or JIT-compiled
// (what a Session runs; its compile time covers every stage from simplify on).
CompiledProgram compileProgram(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                               const CompileOptions& options = {});
// compileProgram in two halves: stages 5-7 of a program a Session will run (its compile seconds
// so far counted), then stage 8 on it. A Session schedules all the programs of a run first, to
// say how many kernels it will compile, then compiles them one by one. Whatever compileProgram
// checks before scheduling belongs in the first half.
CompiledProgram prepareProgram(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                               const CompileOptions& options);
void jitProgram(CompiledProgram& program, const Graph& graph, const CompileOptions& options);

// Stage 8, aot: every function of the library through stages 5-7 for options.target (ahead of
// time: without the JIT feature), then linked into a static library and its header
// (codegen/aot.h).
AotResult compileLibrary(const Graph& graph, const AotLibrary& library, const CompileOptions& options);

// The program's loop nests as Halide prints them (`dump --stage halide`, --print-after-all).
std::string printLoopNests(CompiledProgram& program);

}  // namespace graphc
