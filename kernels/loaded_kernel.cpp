// \file dlopen of a cached program and the hooks installed in its private Halide runtime.
#include "kernels/loaded_kernel.h"

#include <Halide.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "kernels/buffer_pool.h"

namespace graphc {
namespace {

// AddressSanitizer's runtime aborts the process on any dlopen with RTLD_DEEPBIND
// (google/sanitizers#611), so the sanitizer build (scripts/test.sh) loads without it. The binding
// is the same there: neither graphc nor libHalide defines a halide_* symbol (checked with nm), so
// the program's references still resolve to its own runtime library.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRAPHC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(GRAPHC_ASAN)
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

// The runtime reports an error through the handler, then the pipeline returns non-zero: the
// handler keeps the message for call() to throw. graphc runs one program at a time, so one
// slot (behind a mutex: worker threads may report too) is enough.
std::mutex& errorMutex() {
  static std::mutex* m = new std::mutex();
  return *m;
}
std::string& lastError() {
  static std::string* s = new std::string();
  return *s;
}

void recordError(void*, const char* message) {
  std::lock_guard<std::mutex> lock(errorMutex());
  if (!lastError().empty()) lastError() += "\n";
  lastError() += message;
}

template <typename Fn>
Fn symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(dlsym(handle, name));
}

}  // namespace

int openTrustedFile(const std::string& path, std::string* why) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    *why = errno == ELOOP ? "a symbolic link, not followed" : std::strerror(errno);
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *why = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    *why = "not a regular file";
  } else if (st.st_uid != geteuid()) {
    *why = "owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " + std::to_string(geteuid()) + ")";
  } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    *why = "writable by its group or by others";
  } else {
    return fd;
  }
  ::close(fd);
  return -1;
}

// Why /proc/self/fd/N rather than "check the path, then dlopen the path": dlopen takes a name and
// opens it again, so between the check and the load the name could be pointed at another file.
// Through /proc/self/fd/N the loader opens the very file (inode) the descriptor holds, the one
// whose bytes were checked. The name has a price: glibc recognises an already loaded library by
// its name before it opens anything, so were fd closed and its number reused for the next entry,
// dlopen would return the earlier library. Loaded libraries are never unloaded (~LoadedKernel),
// so their descriptors stay open too and no two loads share a name. Without /proc the load fails
// and graphc compiles the kernels in memory instead (codegen/program.cpp).
void* loadSharedObject(int fd, std::string* why) {
  std::string name = "/proc/self/fd/" + std::to_string(fd);
  // RTLD_DEEPBIND: the program's halide_* references bind to its own runtime library first.
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind);
  if (!handle) {
    const char* error = dlerror();
    *why = error ? error : "dlopen failed";
  }
  return handle;
}

std::unique_ptr<LoadedKernel> LoadedKernel::open(int fd, const std::string& path, const std::string& function,
                                                 std::string* why) {
  void* handle = loadSharedObject(fd, why);
  if (!handle) {
    ::close(fd);  // nothing was loaded under its name
    return nullptr;
  }
  using SetErrorHandler = halide_error_handler_t (*)(halide_error_handler_t);
  using SetMalloc = halide_malloc_t (*)(halide_malloc_t);
  using SetFree = halide_free_t (*)(halide_free_t);
  using SetThreads = int (*)(int);
  auto entry = symbol<int (*)(void**)>(handle, (function + "_argv").c_str());
  auto setErrorHandler = symbol<SetErrorHandler>(handle, "halide_set_error_handler");
  auto setMalloc = symbol<SetMalloc>(handle, "halide_set_custom_malloc");
  auto setFree = symbol<SetFree>(handle, "halide_set_custom_free");
  auto setThreads = symbol<SetThreads>(handle, "halide_set_num_threads");
  if (!entry || !setErrorHandler || !setMalloc || !setFree || !setThreads) {
    *why = path + " lacks " + function + "_argv or the Halide runtime's hooks";
    return nullptr;  // not dlclose'd: see ~LoadedKernel
  }
  setErrorHandler(recordError);
  setMalloc(pooledAllocate);
  setFree(pooledRelease);
  // configureTarget passes --threads as HL_NUM_THREADS, which the JIT runtime reads; say it to
  // this runtime explicitly rather than rely on it reading the environment the same way.
  if (const char* threads = std::getenv("HL_NUM_THREADS")) {
    int n = std::atoi(threads);
    if (n > 0) setThreads(n);
  }
  std::unique_ptr<LoadedKernel> kernel(new LoadedKernel());
  kernel->entry_ = entry;
  kernel->path_ = path;
  return kernel;
}

void LoadedKernel::call(const std::vector<halide_buffer_t*>& args) const {
  {
    std::lock_guard<std::mutex> lock(errorMutex());
    lastError().clear();
  }
  std::vector<void*> argv(args.begin(), args.end());
  int status = entry_(argv.data());
  if (status != 0) {
    std::lock_guard<std::mutex> lock(errorMutex());
    throw Halide::RuntimeError("error " + std::to_string(status) + " in the cached kernels of " + path_ + ": " +
                               (lastError().empty() ? "(no message)" : lastError()));
  }
}

}  // namespace graphc
