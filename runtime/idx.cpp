// \file IDX reader: the header is read first and the data only up to the size it declares.
#include "runtime/idx.h"

#include <algorithm>

#include "runtime/byte_stream.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// The largest IDX file accepted, compressed or not (MNIST's largest is 47 MB).
constexpr uint64_t kMaxFileBytes = uint64_t(1) << 32;

// The bytes per element of an integer IDX type, 0 for a type that is not one.
int integerBytes(uint8_t type) {
  switch (type) {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
      return 4;
    default:
      return 0;
  }
}

struct RawIdx {
  std::vector<int64_t> dims;
  uint8_t type = 0;
  std::vector<uint8_t> data;  // as in the file: big-endian elements
};

// Reads a file whose type is unsigned bytes, or any integer type when integers is true.
RawIdx readRaw(const std::string& path, bool integers) {
  std::unique_ptr<ByteStream> in = openDataFile(path, kMaxFileBytes);
  std::vector<uint8_t> b;
  readUpTo(*in, 4, b);
  if (b.size() < 4) throw InputError(path + ": too short for an IDX header (" + std::to_string(b.size()) + " bytes)");
  if (b[0] != 0 || b[1] != 0)
    throw InputError(path + ": wrong magic number: expected two zero bytes, found " + std::to_string(b[0]) + " " +
                     std::to_string(b[1]));
  RawIdx a;
  a.type = b[2];
  if (a.type != 0x08 && !(integers && integerBytes(a.type) > 0))
    throw InputError(path + ": unsupported IDX element type " + std::to_string(a.type) +
                     (integers ? " (expected an integer type: 8, 9, 11 or 12)" : " (expected 8, unsigned byte)"));
  size_t rank = b[3];
  if (rank == 0 || rank > 4) throw InputError(path + ": unsupported number of dimensions " + std::to_string(rank));
  size_t header = 4 + 4 * rank;
  readUpTo(*in, header - 4, b);
  if (b.size() < header) throw InputError(path + ": truncated IDX header");
  uint64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    const uint8_t* p = &b[4 + 4 * i];
    uint32_t d = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
    if (d == 0 || d > (1u << 28)) throw InputError(path + ": absurd dimension " + std::to_string(d) + " in the header");
    a.dims.push_back(d);
    count *= d;
    if (count > (uint64_t(1) << 32)) throw InputError(path + ": the dimensions describe more than 4 GiB");
  }
  uint64_t bytes = count * static_cast<uint64_t>(integerBytes(a.type));
  if (bytes > (uint64_t(1) << 32)) throw InputError(path + ": the dimensions describe more than 4 GiB");
  // One byte beyond the declared data tells a file that is too long from one that fits, without
  // decompressing the rest.
  uint64_t got = readUpTo(*in, bytes + 1, a.data);
  if (got != bytes)
    throw InputError(path + ": the header's dimensions need " + std::to_string(bytes) +
                     " bytes of data, the file has " + (got < bytes ? std::to_string(got) + " (truncated?)" : "more"));
  return a;
}

}  // namespace

IdxArray readIdx(const std::string& path) {
  RawIdx raw = readRaw(path, false);
  return {std::move(raw.dims), std::move(raw.data)};
}

IdxIntegers readIdxIntegers(const std::string& path) {
  RawIdx raw = readRaw(path, true);
  IdxIntegers out;
  out.dims = std::move(raw.dims);
  size_t width = static_cast<size_t>(integerBytes(raw.type));
  out.values.resize(raw.data.size() / width);
  for (size_t i = 0; i < out.values.size(); ++i) {
    const uint8_t* p = &raw.data[i * width];
    uint32_t u = 0;
    for (size_t k = 0; k < width; ++k) u = (u << 8) | p[k];
    switch (raw.type) {
      case 0x08:
        out.values[i] = u;
        break;
      case 0x09:
        out.values[i] = static_cast<int8_t>(u);
        break;
      case 0x0B:
        out.values[i] = static_cast<int16_t>(u);
        break;
      default:
        out.values[i] = static_cast<int32_t>(u);
    }
  }
  return out;
}

}  // namespace graphc
