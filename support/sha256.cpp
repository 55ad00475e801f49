// \file sha256Hex over llvm::SHA256.
#include "support/sha256.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/SHA256.h>

namespace graphc {

std::string sha256Hex(const std::string& bytes) {
  llvm::SHA256 hash;
  hash.update(llvm::StringRef(bytes));
  llvm::StringRef digest = hash.final();
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (char c : digest) {
    auto byte = static_cast<unsigned char>(c);
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

}  // namespace graphc
