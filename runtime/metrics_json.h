// \file The `--metrics-json` file of cli.md, written atomically.
#pragma once

#include <string>

#include "runtime/trainer.h"

namespace graphc {

std::string metricsJson(const RunResult& r, const std::string& target);

// Writes text to path atomically (support/atomic_file.h).
// Throws InputError when the file cannot be written.
void writeTextFile(const std::string& path, const std::string& text);

}  // namespace graphc
