// \file Available memory from getrlimit, /proc/self/statm and /proc/meminfo.
#include "support/available_memory.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace graphc {
namespace {

// A field of /proc/meminfo, in bytes; 0 when absent.
uint64_t meminfoField(const char* name) {
  FILE* f = std::fopen("/proc/meminfo", "re");
  if (!f) return 0;
  char line[256];
  uint64_t kib = 0;
  size_t length = std::strlen(name);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, name, length) == 0 && line[length] == ':') {
      std::sscanf(line + length + 1, "%lu", &kib);
      break;
    }
  std::fclose(f);
  return kib * 1024;
}

uint64_t addressSpaceInUse() {
  FILE* f = std::fopen("/proc/self/statm", "re");
  if (!f) return 0;
  unsigned long pages = 0;
  if (std::fscanf(f, "%lu", &pages) != 1) pages = 0;
  std::fclose(f);
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

uint64_t availableMemoryBytes() {
  uint64_t available = UINT64_MAX;
  struct rlimit limit;
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    uint64_t used = addressSpaceInUse();
    available = limit.rlim_cur > used ? limit.rlim_cur - used : 0;
  }
  uint64_t machine = meminfoField("MemAvailable");
  if (machine > 0) available = std::min(available, machine + meminfoField("SwapFree"));
  return available;
}

}  // namespace graphc
