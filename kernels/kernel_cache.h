// \file The persistent kernel cache (issue 7): each compiled program is stored on disk as a shared
// object, keyed by a SHA-256 of a description of everything that decides its code
// (codegen/program_key.h), so a second run
// of the same model compiles nothing. Entries are written atomically and end with a checksum that
// is verified before dlopen: a corrupt or truncated entry is rebuilt, never loaded.
#pragma once

#include <Halide.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/loaded_kernel.h"

namespace graphc {

// The cache directory of cli.md: $GRAPHC_CACHE, else ~/.cache/graphc; "" when neither is known.
std::string defaultCacheDirectory();

// The Halide library this process uses: its version and the file's size and modification time,
// so a rebuilt or updated libHalide (same version number, other code) does not reuse entries.
std::string halideIdentity();

// The cache cannot be used (directory not writable or writable by someone else, no linker): the
// caller JIT-compiles instead.
struct CacheUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CacheLookup {
  std::shared_ptr<LoadedKernel> kernel;
  bool hit = false;      // loaded from an existing entry
  bool rebuilt = false;  // an entry existed but was corrupt, truncated or unloadable
};

// Loads the entry of this description from dir, or compiles pipeline (arguments: its inputs) ahead
// of time for target, links it into a shared object, stores it and loads it.
CacheLookup loadOrCompileCached(const std::string& dir, const std::string& description, Halide::Pipeline& pipeline,
                                const std::vector<Halide::Argument>& arguments, const Halide::Target& target);

// The path of the entry for a description (whether or not it exists): for tests.
std::string cacheEntryPath(const std::string& dir, const std::string& description);

}  // namespace graphc
