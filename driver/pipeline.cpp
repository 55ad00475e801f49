// \file The pipeline's stages in order, each run through runStage: timed, printed after
// (--print-after-all), verified after (Debug builds, --verify-each).
#include "driver/pipeline.h"

#include <chrono>
#include <functional>
#include <iostream>
#include <sstream>

#include "driver/memory_plan.h"
#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/stable_losses.h"
#include "support/available_memory.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// Every stage, in pipeline order (stageTimes lists them so).
const std::vector<std::string> kStageOrder = {"parse",  "lower",  "stable-losses", "autodiff", "simplify",
                                              "fusion", "halide", "jit",           "aot"};

PipelineOptions& currentOptions() {
  static PipelineOptions options;
  return options;
}

std::vector<StageTime>& recordedTimes() {
  static std::vector<StageTime> times;
  return times;
}

void recordTime(const std::string& stage, double seconds) {
  for (StageTime& t : recordedTimes()) {
    if (t.stage != stage) continue;
    ++t.runs;
    t.seconds += seconds;
    return;
  }
  recordedTimes().push_back({stage, 1, seconds});
}

bool verifying() {
#ifndef NDEBUG
  return true;  // Debug builds check every stage's output
#else
  return currentOptions().verifyEach;
#endif
}

// What a stage made, as the wrapper sees it: the graph to verify (null when the stage makes
// none) and the text --print-after-all prints.
struct StageOutput {
  const Graph* graph = nullptr;
  std::function<std::string()> text;
};

// What a stage made a graph of: verified, and printed as `dump --stage graph` prints.
StageOutput graphOf(const Graph& graph) {
  return {&graph, [&graph] { return printGraph(graph); }};
}

// What a stage made text of: printed only.
StageOutput textOf(std::function<std::string()> text) { return {nullptr, std::move(text)}; }

// Runs one stage: body() computes its result, describe(result) says what to verify and print.
template <class Body, class Describe>
auto runStage(const std::string& stage, Body&& body, Describe&& describe) {
  auto start = std::chrono::steady_clock::now();
  auto result = body();
  recordTime(stage, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  StageOutput out = describe(result);
  if (out.graph && verifying()) verifyGraphAfter(*out.graph, stage);
  if (currentOptions().printAfterAll && out.text) std::cerr << "// ----- after " << stage << " -----\n" << out.text();
  return result;
}

Model lowerAndRewrite(const Program& program) {
  Model model = runStage(
      "lower", [&] { return lowerProgram(program); }, [](const Model& m) { return graphOf(m.graph); });
  runStage(
      "stable-losses", [&] { return rewriteStableLosses(model.graph); }, [&](int) { return graphOf(model.graph); });
  return model;
}

// The parse stage, of a file or of text in memory.
Program parsed(const std::function<Program()>& parse) {
  return runStage("parse", parse, [](const Program& p) { return textOf([&p] { return printAst(p); }); });
}

}  // namespace

void setPipelineOptions(const PipelineOptions& options) { currentOptions() = options; }
const PipelineOptions& pipelineOptions() { return currentOptions(); }

std::vector<StageTime> stageTimes() {
  std::vector<StageTime> ordered;
  for (const std::string& stage : kStageOrder)
    for (const StageTime& t : recordedTimes())
      if (t.stage == stage) ordered.push_back(t);
  return ordered;
}

// 1-3: the front end.

Program parseModel(const std::string& path) {
  return parsed([&] { return parseFile(path); });
}

Model lowerModel(const Program& program) { return lowerAndRewrite(program); }

Model loadModel(const std::string& path) { return lowerModel(parseModel(path)); }

Model loadModelSource(const std::string& file, const std::string& source) {
  return lowerModel(parsed([&] { return parseProgram(file, source); }));
}

// 4: autodiff and the optimizer's updates.

TrainGraph differentiate(Model& model, bool feedGradients) {
  internalCheck(model.train.present && model.train.minimize >= 0, "autodiff", "the train block has no minimize value");
  const TrainConfig& train = model.train;
  return runStage(
      "autodiff",
      [&] { return buildTrainGraph(model.graph, train.minimize, train.optimizer, train.minimizeLoc, feedGradients); },
      [&](const TrainGraph&) { return graphOf(model.graph); });
}

void checkTrainable(const Model& model) {
  if (!model.train.present || model.train.minimize < 0) return;
  Model copy = model;
  differentiate(copy);
}

// 5-7: the program's graph, kernels and Halide schedules.

SimplifiedGraph simplify(const Graph& graph, const std::vector<int>& outputs) {
  return runStage(
      "simplify", [&] { return simplifyGraph(graph, outputs); },
      [](const SimplifiedGraph& s) { return graphOf(s.graph); });
}

FusionPlan fuse(const SimplifiedGraph& simple, const std::vector<int>& outputs, int64_t batch) {
  std::vector<int> roots;
  for (int id : outputs) roots.push_back(simple.newId[static_cast<size_t>(id)]);
  return runStage(
      "fusion", [&] { return planFusion(simple.graph, roots, batch); },
      [&](const FusionPlan& plan) { return textOf([&] { return printFusionPlan(simple.graph, plan); }); });
}

CompiledProgram schedule(const SimplifiedGraph& simple, const std::vector<int>& outputs, const FusionPlan& plan,
                         const Halide::Target& target) {
  return runStage(
      "halide", [&] { return scheduleProgram(simple, outputs, plan, target); },
      [](CompiledProgram& program) { return textOf([&program] { return printLoopNests(program); }); });
}

CompiledProgram buildProgram(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                             const Halide::Target& target) {
  SimplifiedGraph simple = simplify(graph, outputs);
  FusionPlan plan = fuse(simple, outputs, batch);
  return schedule(simple, outputs, plan, target);
}

// 8: compiled code.

CompiledProgram compileProgram(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                               const CompileOptions& options) {
  CompiledProgram program = prepareProgram(graph, outputs, batch, options);
  jitProgram(program, graph, options);
  return program;
}

CompiledProgram prepareProgram(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                               const CompileOptions& options) {
  auto start = std::chrono::steady_clock::now();
  SimplifiedGraph simple = simplify(graph, outputs);
  FusionPlan plan = fuse(simple, outputs, batch);
  // Before any buffer exists: a batch too large stops here with its needs, not in an allocation.
  checkProgramMemory(simple.graph, plan, availableMemoryBytes());
  CompiledProgram program = schedule(simple, outputs, plan, options.target);
  // compileScheduled counts its own part.
  program.addCompileSeconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return program;
}

void jitProgram(CompiledProgram& program, const Graph& graph, const CompileOptions& options) {
  runStage(
      "jit",
      [&] {
        compileScheduled(program, graph, options);
        return program.cacheHit();
      },
      [&](bool hit) {
        return textOf([&program, hit] {
          return std::to_string(program.kernelNames().size()) + " kernels " +
                 (hit ? "loaded from the kernel cache" : "compiled") + "\n";
        });
      });
}

AotResult compileLibrary(const Graph& graph, const AotLibrary& library, const CompileOptions& options) {
  Halide::Target target = options.target.without_feature(Halide::Target::JIT);
  std::vector<CompiledProgram> programs;
  for (const AotFunction& fn : library.functions)
    programs.push_back(buildProgram(graph, fn.outputs, library.batch, target));  // GPU schedules for GPU targets
  return runStage(
      "aot", [&] { return compileStaticLibrary(graph, library, programs, target); },
      [](const AotResult& r) { return textOf([&r] { return "wrote " + r.library + " and " + r.header + "\n"; }); });
}

std::string printLoopNests(CompiledProgram& program) {
  // print_loop_nest writes to the standard error stream; capture it.
  std::stringstream captured;
  std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
  try {
    program.pipeline().print_loop_nest();
  } catch (...) {
    std::cerr.rdbuf(old);
    throw;
  }
  std::cerr.rdbuf(old);
  return captured.str();
}

}  // namespace graphc
