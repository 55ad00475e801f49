// \file libFuzzer target over the whole front end, what `graphc check` does: decode the file's
// bytes (encodings, line ends: frontend/source_file.h), lex, parse,
// type-check, build the graph, rewrite the losses and, with a train block, differentiate a copy;
// then what `graphc summary` adds (parameter counts), or format the diagnostic as the command
// line would. Bad input must end in a UserError or an InputError; a crash, a sanitizer report or
// any other exception (InternalError included: a broken invariant is a bug, not the user's
// fault) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "driver/pipeline.h"
#include "frontend/source_file.h"
#include "frontend/summary.h"
#include "support/diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string file = "fuzz.mnn";
  std::string source;
  try {
    source = graphc::decodeModelText(file, std::string(reinterpret_cast<const char*>(data), size));
    graphc::Model model = graphc::loadModelSource(file, source);
    graphc::checkTrainable(model);
    graphc::printSummary(model);
  } catch (const graphc::UserError& e) {
    // The command line prints every UserError with the source line and a caret at e.loc().
    graphc::formatDiagnostic(file, source, e.loc(), e.what());
  } catch (const graphc::InputError&) {
  }
  return 0;
}
