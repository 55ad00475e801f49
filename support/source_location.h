// \file Source positions carried from the text through the AST into every graph node.
#pragma once

#include <string>

namespace graphc {

// A 1-based line and column in a .mnn file; line 0 means "no location" (compiler-made).
struct SourceLoc {
  int line = 0;
  int col = 0;
  // For code written inside a `def`: which expansion of it (an index into the graph's expansions,
  // ir/graph.h), so that a node remembers the call that made it; -1 elsewhere.
  int expansion = -1;
  bool valid() const { return line > 0; }
};

}  // namespace graphc
