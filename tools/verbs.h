// \file The graphc verbs, one function each (main.cpp dispatches), and the flag helpers they share.
#pragma once

#include <string>
#include <vector>

#include "codegen/program.h"
#include "tools/verb_flags.h"

namespace graphc {

// Each verb takes the arguments after its name and returns the exit code; errors are thrown
// (FlagError, UserError, InputError...) and mapped to exit codes by main.
int runVerb(const std::vector<std::string>& args);
int evalVerb(const std::vector<std::string>& args);
int predictVerb(const std::vector<std::string>& args);
int benchVerb(const std::vector<std::string>& args);
int compileVerb(const std::vector<std::string>& args);
int exportVerb(const std::vector<std::string>& args);
int plotVerb(const std::vector<std::string>& args);
int reportVerb(const std::vector<std::string>& args);
int importVerb(const std::vector<std::string>& args);
int inferVerb(const std::vector<std::string>& args);

// `graphc --version`'s text: version, commit, Halide, LLVM, the host's CPU and vector features.
std::string versionText();

// "test_loss: 0.0577 - test_accuracy: 0.9816" (the first metric is reported as the accuracy).
std::string testResultLine(double loss, const std::vector<double>& metrics);
// --target as a Halide target: host, cuda (compute capability 8.0), opencl, or a Halide target
// string for this machine; a FlagError otherwise.
Halide::Target parseTarget(const std::string& text);
// The target's name in --metrics-json: host, cuda, opencl, or the full target string.
std::string targetName(const Halide::Target& target);
// Applies --threads (Halide's thread pool size) and returns the compile options of --target,
// with the kernel cache: none with --no-cache, else $GRAPHC_CACHE or ~/.cache/graphc.
CompileOptions configureTarget(const TargetFlags& flags);
// --target's line in --help, for the verbs that run kernels.
extern const char* const kTargetHelp;

}  // namespace graphc
