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

}  // namespace graphc
