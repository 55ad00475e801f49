// \file IDX reader: zlib's gz reader handles plain and compressed files alike.
#include "runtime/idx.h"

#include <zlib.h>

#include <memory>

#include "support/diagnostics.h"

namespace graphc {
namespace {

// Reads the whole (decompressed) contents; a file that cannot be opened is an error.
std::vector<uint8_t> readAll(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(path + ": cannot open the file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (;;) {
    int n = gzread(f, chunk, sizeof chunk);
    if (n < 0) throw InputError(path + ": corrupt compressed data");
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (bytes.size() > (size_t(1) << 32)) throw InputError(path + ": larger than 4 GiB, not an MNIST-like IDX file");
  }
  return bytes;
}

}  // namespace

IdxArray readIdx(const std::string& path) {
  std::vector<uint8_t> b = readAll(path);
  if (b.size() < 4) throw InputError(path + ": too short for an IDX header (" + std::to_string(b.size()) + " bytes)");
  if (b[0] != 0 || b[1] != 0)
    throw InputError(path + ": wrong magic number: expected two zero bytes, found " + std::to_string(b[0]) + " " +
                     std::to_string(b[1]));
  if (b[2] != 0x08)
    throw InputError(path + ": unsupported IDX element type " + std::to_string(b[2]) + " (expected 8, unsigned byte)");
  size_t rank = b[3];
  if (rank == 0 || rank > 4) throw InputError(path + ": unsupported number of dimensions " + std::to_string(rank));
  size_t header = 4 + 4 * rank;
  if (b.size() < header) throw InputError(path + ": truncated IDX header");
  IdxArray a;
  uint64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    const uint8_t* p = &b[4 + 4 * i];
    uint32_t d = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
    if (d == 0 || d > (1u << 28)) throw InputError(path + ": absurd dimension " + std::to_string(d) + " in the header");
    a.dims.push_back(d);
    count *= d;
    if (count > (uint64_t(1) << 32)) throw InputError(path + ": the dimensions describe more than 4 GiB");
  }
  if (b.size() - header != count)
    throw InputError(path + ": the header's dimensions need " + std::to_string(count) +
                     " bytes of data, the file has " + std::to_string(b.size() - header) +
                     (b.size() - header < count ? " (truncated?)" : ""));
  a.data.assign(b.begin() + static_cast<long>(header), b.end());
  return a;
}

}  // namespace graphc
