// \file Dumps of the compiled train step, through Halide's own printers where it has them.
#include "tools/dump_stages.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "codegen/program.h"
#include "frontend/diagnostics.h"
#include "ir/dot_printer.h"
#include "passes/fusion.h"
#include "passes/pipeline.h"
#include "runtime/trainer.h"

namespace graphc {
namespace {

// Halide writes stmt and assembly to files: a private temporary, read back and removed.
std::string viaTemporaryFile(const std::function<void(const std::string&)>& write) {
  char name[] = "/tmp/graphc-dump-XXXXXX";
  int fd = mkstemp(name);
  if (fd < 0) throw InputError("cannot create a temporary file for the dump");
  close(fd);
  write(name);
  std::ifstream in(name);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(name);
  return text.str();
}

}  // namespace

bool isTrainStepStage(const std::string& stage) {
  return stage == "fused" || stage == "halide" || stage == "stmt" || stage == "asm" || stage == "dot";
}

std::string dumpTrainStepStage(const std::string& path, const std::string& stage, int64_t batch) {
  Model model = loadModel(path);
  if (!model.train.present || model.train.minimize < 0)
    throw UserError({}, "--stage " + stage + " shows the train step and needs a train block with `minimize`");
  TrainGraph train = buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
  TrainStep step = trainStep(model, train);
  if (batch <= 0) batch = model.train.batch;
  if (stage == "fused") return printFusionPlan(model.graph, planFusion(model.graph, step.fetches, batch));
  if (stage == "dot") {
    // The train step's graph with its kernels as clusters (the values it never computes are left out).
    FusionPlan plan = planFusion(model.graph, step.fetches, batch);
    std::vector<std::vector<int>> kernels;
    for (const Kernel& k : plan.kernels) kernels.push_back(k.nodes);
    return printDot(model.graph, kernels);
  }
  CompiledProgram program = buildProgram(model.graph, step.fetches, batch);
  Halide::Target target = Halide::get_host_target();
  if (stage == "halide") {
    // print_loop_nest writes to the standard error stream; capture it.
    std::stringstream captured;
    std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
    program.pipeline().print_loop_nest();
    std::cerr.rdbuf(old);
    return captured.str();
  }
  return viaTemporaryFile([&](const std::string& file) {
    if (stage == "stmt") program.pipeline().compile_to_lowered_stmt(file, program.arguments(), Halide::Text, target);
    else program.pipeline().compile_to_assembly(file, program.arguments(), model.graph.modelName + "_train_step", target);
  });
}

}  // namespace graphc
