// \file Dumps of the compiled train step, through Halide's own printers where it has them.
#include "tools/dump_stages.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "codegen/program.h"
#include "support/diagnostics.h"
#include "export/dot_printer.h"
#include "ir/printer.h"
#include "passes/fusion.h"
#include "passes/simplify.h"
#include "driver/pipeline.h"
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

// Halide 14 has no output of device code: its CUDA backend compiles the kernels to PTX and embeds
// the text in the host module as the constant `cuda_gpu_source_kernels`, which the CUDA runtime
// hands to the driver. The PTX is that constant, read back from the host module's LLVM assembly,
// where it is a c"..." string with non-printable bytes written as \XX hex escapes.
std::string embeddedPtx(const std::string& llvmAssembly) {
  size_t global = llvmAssembly.find("@cuda_gpu_source_kernels");
  size_t open = global == std::string::npos ? global : llvmAssembly.find("c\"", global);
  internalCheck(open != std::string::npos, "dump", "no PTX in the CUDA host module (Halide's layout changed?)");
  std::string ptx;
  for (size_t i = open + 2; i < llvmAssembly.size() && llvmAssembly[i] != '"'; ++i) {
    char c = llvmAssembly[i];
    if (c == '\\' && i + 2 < llvmAssembly.size()) {
      c = static_cast<char>(std::stoi(llvmAssembly.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
    ptx.push_back(c);
  }
  while (!ptx.empty() && ptx.back() == '\0') ptx.pop_back();
  return ptx;
}

}  // namespace

bool isTrainStepStage(const std::string& stage) {
  return stage == "opt" || stage == "fused" || stage == "halide" || stage == "stmt" || stage == "asm" || stage == "ptx" || stage == "dot";
}

std::string dumpTrainStepStage(const std::string& path, const std::string& stage, int64_t batch,
                               const Halide::Target& target) {
  Model model = loadModel(path);
  if (!model.train.present || model.train.minimize < 0)
    throw UserError({}, "--stage " + stage + " shows the train step and needs a train block with `minimize`");
  TrainGraph train = buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
  TrainStep step = trainStep(model, train);
  if (batch <= 0) batch = model.train.batch;
  // What the compiled program computes: the train step's graph, simplified.
  SimplifiedGraph simple = simplifyGraph(model.graph, step.fetches);
  std::vector<int> roots;
  for (int id : step.fetches) roots.push_back(simple.newId[static_cast<size_t>(id)]);
  if (stage == "opt") {
    std::ostringstream os;
    os << "# the train step simplified: " << model.graph.size() << " -> " << simple.graph.size() << " nodes ("
       << simple.dead << " dead, " << simple.folded << " folded, " << simple.identities << " identities, "
       << simple.merged << " duplicates merged)\n";
    return os.str() + printGraph(simple.graph);
  }
  if (stage == "fused") return printFusionPlan(simple.graph, planFusion(simple.graph, roots, batch));
  if (stage == "dot") {
    // The train step's graph with its kernels as clusters (the values it never computes are left out).
    FusionPlan plan = planFusion(simple.graph, roots, batch);
    std::vector<std::vector<int>> kernels;
    for (const Kernel& k : plan.kernels) kernels.push_back(k.nodes);
    return printDot(simple.graph, kernels);
  }
  CompiledProgram program = buildProgram(model.graph, step.fetches, batch, target);
  if (stage == "halide") {
    // print_loop_nest writes to the standard error stream; capture it.
    std::stringstream captured;
    std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
    program.pipeline().print_loop_nest();
    std::cerr.rdbuf(old);
    return captured.str();
  }
  if (stage == "ptx") {
    return embeddedPtx(viaTemporaryFile([&](const std::string& file) {
      program.pipeline().compile_to_llvm_assembly(file, program.arguments(), model.graph.modelName + "_train_step",
                                                  target);
    }));
  }
  return viaTemporaryFile([&](const std::string& file) {
    std::string name = model.graph.modelName + "_train_step";
    if (stage == "stmt") program.pipeline().compile_to_lowered_stmt(file, program.arguments(), Halide::Text, target);
    else program.pipeline().compile_to_assembly(file, program.arguments(), model.graph.modelName + "_train_step", target);
  });
}

}  // namespace graphc
