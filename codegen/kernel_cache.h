// \file The persistent kernel cache (issue 7): each compiled program is stored on disk as a shared
// object, keyed by a SHA-256 of everything that decides its code (the graph nodes it computes, its
// outputs and batch, the code generator's sources, the target, the Halide build), so a second run
// of the same model compiles nothing. Entries are written atomically and end with a checksum that
// is verified before dlopen: a corrupt or truncated entry is rebuilt, never loaded.
#pragma once

#include <Halide.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "codegen/loaded_kernel.h"
#include "ir/graph.h"

namespace graphc {

// The cache directory of cli.md: $GRAPHC_CACHE, else ~/.cache/graphc; "" when neither is known.
std::string defaultCacheDirectory();

// The text the key hashes (exposed for tests and for `--stage`-like inspection): the nodes the
// outputs depend on, in id order, with full-precision attributes, then outputs, batch, target,
// the code generator's source hash and the Halide library's identity. target is the one the entry
// is compiled for: compileProgram passes CompileOptions::target without the JIT feature.
std::string programDescription(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                               const Halide::Target& target);

// The cache cannot be used (directory not writable, no linker): the caller JIT-compiles instead.
struct CacheUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CacheLookup {
  std::shared_ptr<LoadedKernel> kernel;
  bool hit = false;        // loaded from an existing entry
  bool rebuilt = false;    // an entry existed but was corrupt, truncated or unloadable
};

// Loads the entry of this description from dir, or compiles pipeline (arguments: its inputs) ahead
// of time for target, links it into a shared object, stores it and loads it.
CacheLookup loadOrCompileCached(const std::string& dir, const std::string& description, Halide::Pipeline& pipeline,
                                const std::vector<Halide::Argument>& arguments, const Halide::Target& target);

// The path of the entry for a description (whether or not it exists): for tests.
std::string cacheEntryPath(const std::string& dir, const std::string& description);

}  // namespace graphc
