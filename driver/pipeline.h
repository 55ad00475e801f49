// \file The compiler's pipeline as one readable sequence: parse, lower to the graph, rewrite.
#pragma once

#include <string>

#include "ir/model.h"

namespace graphc {

// Reads, parses and type-checks a .mnn file, then runs the forward-graph passes.
// Throws UserError / InputError for problems in the input.
Model loadModel(const std::string& path);

// The same on text already in memory; file names the source in diagnostics (the fuzzers'
// entry point: tests/fuzz/fuzz_frontend.cpp).
Model loadModelSource(const std::string& file, const std::string& source);

// The checks `graphc check` adds to type checking: the train block's minimize value is a
// scalar that depends on a trainable variable (autodiff runs on a copy of the graph).
void checkTrainable(const Model& model);

}  // namespace graphc
