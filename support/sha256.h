// \file SHA-256 of bytes as 64 lowercase hex digits: the kernel cache's keys and entry checksums.
#pragma once

#include <string>

namespace graphc {

// LLVM's implementation (libLLVM is linked already for MLIR), so no new package is needed.
std::string sha256Hex(const std::string& bytes);

}  // namespace graphc
