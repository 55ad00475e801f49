// \file An in-memory file (memfd) that a fuzz target rewrites with each input, for readers that take
// a path: /proc/self/fd/N names it.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

class MemoryFile {
 public:
  MemoryFile() {
    descriptor_ = memfd_create("graphc-fuzz-input", 0);
    if (descriptor_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(descriptor_);
  }

  const std::string& path() const { return path_; }

  void write(const uint8_t* data, size_t size) {
    if (ftruncate(descriptor_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      ssize_t n = pwrite(descriptor_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
  }

 private:
  int descriptor_ = -1;
  std::string path_;
};
