// \file The `--metrics-json` file of cli.md, written atomically.
#pragma once

#include <string>

#include "runtime/trainer.h"

namespace graphc {

std::string metricsJson(const RunResult& r, const std::string& target);

// Checks, before any work, that path can be written (not a folder; its folder exists and is
// writable); throws InputError naming path, what ("a checkpoint") and the reason otherwise.
void checkDestination(const std::string& path, const std::string& what);

// Writes text to path atomically (support/atomic_file.h). Throws InputError when checkDestination
// fails, RunFailure with the system's reason (a full disk, a permission) when the write does.
void writeTextFile(const std::string& path, const std::string& text, const std::string& what = "the file");

}  // namespace graphc
