// \file The AST-to-graph lowering's entry point.
#pragma once

#include "frontend/ast.h"
#include "ir/model.h"

namespace graphc {

// Resolves names, creates layer variables, type-checks every op and reads the train block.
// Throws UserError at the offending expression.
Model lowerProgram(const Program& program);

}  // namespace graphc
