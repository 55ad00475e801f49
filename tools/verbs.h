// \file The graphc verbs, one function each (main.cpp dispatches), and the flag helpers they share.
#pragma once

#include <string>
#include <vector>

#include "tools/flags.h"

namespace graphc {

// Each verb takes the arguments after its name and returns the exit code; errors are thrown
// (FlagError, UserError, InputError...) and mapped to exit codes by main.
int runVerb(const std::vector<std::string>& args);
int evalVerb(const std::vector<std::string>& args);
int predictVerb(const std::vector<std::string>& args);
int benchVerb(const std::vector<std::string>& args);
int compileVerb(const std::vector<std::string>& args);

// True when the arguments ask for the verb's --help (or -h).
bool wantsHelp(const std::vector<std::string>& args);
// The single positional .mnn path; a FlagError when there is none or more than one.
std::string fileArg(const Flags& flags);
// "test_loss: 0.0577 - test_accuracy: 0.9816" (the first metric is reported as the accuracy).
std::string testResultLine(double loss, const std::vector<double>& metrics);
// The kernel cache directory for CompileOptions::cacheDir: "" with --no-cache, else
// $GRAPHC_CACHE or ~/.cache/graphc.
std::string kernelCacheDir(const Flags& flags);
// Applies --target (only host today) and --threads (Halide's thread pool size).
void configureTarget(const Flags& flags);

}  // namespace graphc
