// \file How much memory this process can still allocate: what the kernel would give it before
// failing (the address-space limit of `ulimit -v`) or the machine would start to swap heavily.
#pragma once

#include <cstdint>

namespace graphc {

// The smaller of: the address-space limit (RLIMIT_AS) minus the address space in use now, and
// the machine's available memory (MemAvailable plus free swap in /proc/meminfo). UINT64_MAX when
// neither can be read.
uint64_t availableMemoryBytes();

}  // namespace graphc
