// \file Front-end helpers for tests: a source text lowered to a model, and tables of bad sources
// each of which must fail with a located error containing given words.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ir/model.h"

namespace graphc {

// Parses and lowers source as the file "test.mnn".
Model lowerSource(const std::string& source);

// Each source must throw a UserError at a valid location whose text contains its words.
void expectLoweringErrors(const std::vector<std::pair<const char*, const char*>>& cases);

}  // namespace graphc
