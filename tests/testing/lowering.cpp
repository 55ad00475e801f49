// \file Front-end helpers for tests.
#include "testing/lowering.h"

#include <gtest/gtest.h>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "support/diagnostics.h"

namespace graphc {

Model lowerSource(const std::string& source) { return lowerProgram(parseProgram("test.mnn", source)); }

void expectLoweringErrors(const std::vector<std::pair<const char*, const char*>>& cases) {
  for (const auto& [source, words] : cases) {
    try {
      lowerSource(source);
      ADD_FAILURE() << "no error for:\n" << source;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
      EXPECT_TRUE(e.loc().valid()) << e.what();
    }
  }
}

}  // namespace graphc
