// \file Reading IDX files (the MNIST format), plain or gzip-compressed, validated before trusted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // unsigned bytes, row major
};

// Reads an IDX file of unsigned bytes (type 0x08). Plain and .gz files are both accepted.
// Throws InputError naming the file and what is wrong: wrong magic, unsupported type, absurd
// dimensions, or a length that disagrees with the dimensions.
IdxArray readIdx(const std::string& path);

struct IdxIntegers {
  std::vector<int64_t> dims;
  std::vector<int64_t> values;  // row major
};

// Reads an IDX file of integers of any width the format has: unsigned or signed bytes (0x08,
// 0x09), 16-bit (0x0B) or 32-bit (0x0C) big-endian integers. The same checks as readIdx.
IdxIntegers readIdxIntegers(const std::string& path);

}  // namespace graphc
