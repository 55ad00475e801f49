// \file A program compiled ahead of time into a shared object and loaded with dlopen: the kernel
// cache's alternative to compile_jit. Each shared object carries its own copy of the Halide
// runtime, so the hooks the JIT path sets through Pipeline::jit_handlers (the pooled allocator)
// and the ones the AOT runtime needs (an error handler: its default calls abort(), the thread
// count) are installed in that runtime through its own halide_* functions.
#pragma once

#include <HalideRuntime.h>

#include <memory>
#include <string>
#include <vector>

namespace graphc {

class LoadedKernel {
 public:
  // Loads the shared object (RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) and finds `<function>_argv`. Returns nullptr
  // and says why in *why when it cannot be loaded (the cache then rebuilds the entry).
  static std::unique_ptr<LoadedKernel> open(const std::string& path, const std::string& function, std::string* why);

  // Runs the pipeline: args are its inputs, then its outputs. A failure inside the pipeline
  // (a bounds check, an allocation) throws Halide::RuntimeError with the runtime's message.
  void call(const std::vector<halide_buffer_t*>& args) const;

  // The shared object stays loaded for the life of the process: its runtime's worker threads
  // may still be parked in its code, so it is never dlclose'd.
  ~LoadedKernel() = default;

 private:
  LoadedKernel() = default;
  int (*entry_)(void**) = nullptr;
  std::string path_;
};

}  // namespace graphc
