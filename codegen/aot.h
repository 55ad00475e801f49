// \file Ahead-of-time compilation (`graphc compile`): programs of a graph compiled into one static
// library with the Halide runtime inside, so an application links it without Halide or LLVM, and
// a C header that declares each function and documents its arguments (graph names, types, shapes).
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

#include "codegen/program.h"
#include "ir/graph.h"

namespace graphc {

// One C function: computes outputs from the sources they depend on.
struct AotFunction {
  std::string name;                      // the C name, e.g. `lenet5_infer`
  std::vector<int> outputs;              // graph values it computes, in argument order
  std::vector<std::string> outputNames;  // their names in the header (one per output)
  std::string comment;                   // what it is for, printed above it in the header
};

struct AotLibrary {
  std::string name;      // file stem: NAME.a and NAME.h
  std::string outDir;    // created when missing (its parent must exist)
  int64_t batch = 0;     // every function is compiled for this batch size
  std::string preamble;  // text of the header's opening comment (how to feed the model)
  std::vector<AotFunction> functions;
};

struct AotResult {
  std::string library, header, runtimeHeader;  // the paths written
};

// Compiles every function for target (an ahead-of-time target: no JIT feature) into
// OUTDIR/NAME.a, writes OUTDIR/NAME.h and a copy of HalideRuntime.h (the buffer type the
// functions take) beside them. programs[i] is functions[i] scheduled for target at the library's
// batch (driver/pipeline.h's compileLibrary runs the stages before). The files appear whole or
// not at all: they are built in a temporary folder in OUTDIR and renamed into place.
AotResult compileStaticLibrary(const Graph& graph, const AotLibrary& library, std::vector<CompiledProgram>& programs,
                               const Halide::Target& target);

// A C identifier made from a graph name: `c1/kernel` -> `c1_kernel`.
std::string cIdentifier(const std::string& name);

}  // namespace graphc
