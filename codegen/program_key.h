// \file The kernel cache's key for a program: a text naming everything that decides its code.
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// The text the key hashes (exposed for tests and for `--stage`-like inspection): the nodes the
// outputs depend on, in id order, with full-precision attributes, then outputs, batch, target,
// the code generator's source hash and the Halide library's identity. target is the one the entry
// is compiled for: compileProgram passes CompileOptions::target without the JIT feature.
std::string programDescription(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                               const Halide::Target& target);

}  // namespace graphc
