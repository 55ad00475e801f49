// \file The `--metrics-json` file of cli.md, written atomically.
#pragma once

#include <string>

#include "runtime/trainer.h"

namespace graphc {

std::string metricsJson(const RunResult& r, const std::string& target);

// Writes text to path through a temporary file and a rename, so a reader never sees half of it.
// Throws InputError when the file cannot be written.
void writeFileAtomically(const std::string& path, const std::string& text);

}  // namespace graphc
