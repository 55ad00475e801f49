// \file Source positions carried from the text through the AST into every graph node.
#pragma once

#include <string>

namespace graphc {

// A 1-based line and column in a .mnn file; line 0 means "no location" (compiler-made).
struct SourceLoc {
  int line = 0;
  int col = 0;
  bool valid() const { return line > 0; }
};

}  // namespace graphc
