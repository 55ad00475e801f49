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

// Opens path for reading without following a symbolic link in its last component (O_NOFOLLOW)
// and checks the opened file (fstat on the descriptor, so what is checked is what is read): a
// regular file owned by this user that no one else may write. Returns the descriptor (close-on-exec),
// or -1 with the reason in *why.
int openTrustedFile(const std::string& path, std::string* why);

// dlopen of the file behind the descriptor fd (from openTrustedFile), by /proc/self/fd/N: see the
// comment in loaded_kernel.cpp. The descriptor must stay open for the life of the process. Returns
// the handle, or nullptr with dlerror's text in *why.
void* loadSharedObject(int fd, std::string* why);

class LoadedKernel {
 public:
  // Loads the shared object open on fd (RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND, through
  // loadSharedObject) and finds `<function>_argv`; path names it in messages. Takes fd: it stays
  // open while the library is loaded. Returns nullptr and says why in *why when it cannot be
  // loaded (the cache then rebuilds the entry).
  static std::unique_ptr<LoadedKernel> open(int fd, const std::string& path, const std::string& function,
                                            std::string* why);

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
