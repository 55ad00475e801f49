// \file The dump stages: each from the pipeline stage that makes it, the compiled train step through
// Halide's own printers where it has them.
#include "tools/dump_stages.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "codegen/host_target.h"
#include "codegen/program.h"
#include "driver/pipeline.h"
#include "export/dot_printer.h"
#include "export/mlir_export.h"
#include "frontend/parser.h"
#include "ir/printer.h"
#include "runtime/checkpoint.h"
#include "runtime/metrics_json.h"
#include "runtime/session.h"
#include "runtime/trainer.h"
#include "support/diagnostics.h"
#include "tools/verbs.h"

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

// `dump --stage mlir`: the forward graph (before autodiff) with its variables' values.
std::string mlirText(const Model& model, const DumpRequest& request) {
  MlirExportOptions options = forwardExportOptions(model);
  options.batch = request.batch.value_or(1);
  auto seed = static_cast<uint64_t>(request.seed.value_or(static_cast<int64_t>(model.train.seed)));
  Session session(model.graph, seed);
  if (request.load) loadCheckpoint(*request.load, session);
  options.variableData = [&session](int id) -> const float* { return session.variable(id).data(); };
  options.comment =
      fmt::format("graphc dump --stage mlir: the forward graph of {}, batch {}, variables from {}",
                  model.graph.modelName, options.batch, request.load ? *request.load : fmt::format("seed {}", seed));
  return exportMlir(model.graph, options);
}

}  // namespace

const std::vector<std::string>& dumpStageNames() {
  static const std::vector<std::string> names = {"ast",  "graph", "grad", "opt",  "fused", "halide",
                                                 "stmt", "asm",   "ptx",  "mlir", "dot"};
  return names;
}

std::map<std::string, std::string> dumpStages(const DumpRequest& request, const std::vector<std::string>& stages,
                                              bool skipUnavailable) {
  std::set<std::string> wanted(stages.begin(), stages.end());
  auto wants = [&](std::initializer_list<const char*> any) {
    for (const char* s : any)
      if (wanted.count(s)) return true;
    return false;
  };
  std::map<std::string, std::string> texts;
  // 1-3: parse, lower, stable losses.
  Program ast = parseModel(request.path);
  if (wants({"ast"})) texts["ast"] = printAst(ast);
  if (!wants({"graph", "grad", "opt", "fused", "halide", "stmt", "asm", "ptx", "mlir", "dot"})) return texts;
  Model model = lowerModel(ast);
  if (wants({"graph"})) texts["graph"] = printGraph(model.graph);
  if (wants({"mlir"})) {
    try {
      texts["mlir"] = mlirText(model, request);
    } catch (const UserError&) {
      if (!skipUnavailable) throw;  // a model without class scores has no forward function to export
    }
  }

  // The train step: 4 autodiff, 5 simplify, 6 fusion, 7 Halide.
  std::vector<std::string> trainStages;
  for (const char* s : {"grad", "opt", "fused", "halide", "stmt", "asm", "ptx", "dot"})
    if (wanted.count(s)) trainStages.push_back(s);
  if (trainStages.empty()) return texts;
  if (!model.train.present || model.train.minimize < 0) {
    if (skipUnavailable) return texts;
    throw UserError({}, trainStages[0] == "grad" ? "--stage grad needs a train block with `minimize`"
                                                 : "--stage " + trainStages[0] +
                                                       " shows the train step and needs a train block with `minimize`");
  }
  TrainGraph train = differentiate(model);
  if (wants({"grad"})) texts["grad"] = printGraph(model.graph);
  TrainStep step = trainStep(model, train);
  int64_t batch = request.batch.value_or(0);
  if (batch <= 0) batch = model.train.batch;
  // What the compiled program computes: the train step's graph, simplified.
  SimplifiedGraph simple = simplify(model.graph, step.fetches);
  if (wants({"opt"})) {
    texts["opt"] =
        fmt::format(
            "# the train step simplified: {} -> {} nodes ({} dead, {} folded, {} identities, {} duplicates "
            "merged)\n",
            model.graph.size(), simple.graph.size(), simple.dead, simple.folded, simple.identities, simple.merged) +
        printGraph(simple.graph);
  }
  if (!wants({"fused", "halide", "stmt", "asm", "ptx", "dot"})) return texts;
  FusionPlan plan = fuse(simple, step.fetches, batch);
  if (wants({"fused"})) texts["fused"] = printFusionPlan(simple.graph, plan);
  if (wants({"dot"})) {
    // The train step's graph with its kernels as clusters (the values it never computes are left out).
    std::vector<std::vector<int>> kernels;
    for (const Kernel& k : plan.kernels) kernels.push_back(k.nodes);
    texts["dot"] = printDot(simple.graph, kernels);
  }
  std::string function = model.graph.modelName + "_train_step";
  if (wants({"halide", "stmt", "asm"})) {
    Halide::Target target = request.target ? parseTarget(*request.target) : hostTarget();
    CompiledProgram program = schedule(simple, step.fetches, plan, target);
    if (wants({"halide"})) texts["halide"] = printLoopNests(program);
    if (wants({"stmt"})) {
      texts["stmt"] = viaTemporaryFile([&](const std::string& file) {
        program.pipeline().compile_to_lowered_stmt(file, program.arguments(), Halide::Text, target);
      });
    }
    if (wants({"asm"})) {
      texts["asm"] = viaTemporaryFile([&](const std::string& file) {
        program.pipeline().compile_to_assembly(file, program.arguments(), function, target);
      });
    }
  }
  if (wants({"ptx"})) {
    // CUDA (compute capability 8.0) by default, and --target must name CUDA.
    Halide::Target target = parseTarget(request.target.value_or("cuda"));
    if (target.has_feature(Halide::Target::CUDA)) {
      CompiledProgram program = schedule(simple, step.fetches, plan, target);
      texts["ptx"] = embeddedPtx(viaTemporaryFile([&](const std::string& file) {
        program.pipeline().compile_to_llvm_assembly(file, program.arguments(), function, target);
      }));
    } else if (!skipUnavailable) {
      throw FlagError{"--stage ptx shows CUDA kernels and needs --target cuda (or a Halide target with cuda), found '" +
                      *request.target + "'"};
    }
  }
  return texts;
}

namespace {

// mkdir -p.
void makeFolders(const std::string& dir) {
  for (size_t i = 0; i <= dir.size(); ++i)
    if (i == dir.size() || (dir[i] == '/' && i > 0)) ::mkdir(dir.substr(0, i).c_str(), 0755);
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    throw InputError("cannot create the folder " + dir + " for --stage all");
}

std::string stageFile(const std::string& dir, const std::string& stage) {
  const std::vector<std::string>& names = dumpStageNames();
  size_t number = static_cast<size_t>(std::find(names.begin(), names.end(), stage) - names.begin()) + 1;
  return fmt::format("{}/{:02}-{}.txt", dir, number, stage);
}

}  // namespace

int writeAllStages(const DumpRequest& request, const std::string& dir) {
  makeFolders(dir);
  const std::set<std::string> halideStages = {"halide", "stmt", "asm", "ptx"};
  std::vector<std::string> inProcess;
  for (const std::string& stage : dumpStageNames())
    if (!halideStages.count(stage)) inProcess.push_back(stage);
  // The parent makes no Halide Func before the children are forked (mlir and dot need none).
  for (const auto& [stage, text] : dumpStages(request, inProcess, true)) writeTextFile(stageFile(dir, stage), text);
  std::fflush(nullptr);  // nothing buffered is written twice
  for (const std::string& stage : dumpStageNames()) {
    if (!halideStages.count(stage)) continue;
    pid_t child = fork();
    if (child < 0) throw InputError("--stage all: cannot start a process for --stage " + stage);
    if (child == 0) {
      int code = 0;
      try {
        PipelineOptions quiet = pipelineOptions();
        quiet.timePasses = false;  // the parent reports its own stages; these repeat them
        setPipelineOptions(quiet);
        for (const auto& [name, text] : dumpStages(request, {stage}, true)) writeTextFile(stageFile(dir, name), text);
      } catch (const std::exception& e) {
        fmt::print(stderr, "graphc dump: --stage {}: {}\n", stage, e.what());
        code = 1;
      }
      std::fflush(nullptr);
      _exit(code);
    }
    int status = 0;
    if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw RunFailure("--stage all: the dump of --stage " + stage + " failed");
  }
  return 0;
}

}  // namespace graphc
