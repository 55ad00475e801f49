// \file The first "model name" line of /proc/cpuinfo.
#include "support/host_cpu.h"

#include <fstream>

namespace graphc {

std::string cpuModelName() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    size_t colon = line.find(':');
    if (line.rfind("model name", 0) == 0 && colon != std::string::npos && colon + 2 <= line.size())
      return line.substr(colon + 2);
  }
  return "unknown CPU";
}

}  // namespace graphc
