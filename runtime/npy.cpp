// \file .npy files (npy.h): the format of numpy.lib.format, versions 1.0 to 3.0.
#include "runtime/npy.h"

#include <fmt/core.h>

#include <cstring>
#include <regex>

#include "runtime/metrics_json.h"
#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

constexpr uint64_t kMaxNpyBytes = uint64_t{1} << 32;
const char kMagic[] = "\x93NUMPY";

}  // namespace

NpyArray readNpy(const std::string& path) {
  std::string bytes, why;
  if (!readRegularFile(path, kMaxNpyBytes, &bytes, &why)) throw InputError(path + ": " + why);
  auto bad = [&](const std::string& what) { return InputError(path + ": not a .npy file of f32 values: " + what); };
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) throw bad("no \\x93NUMPY magic");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength = 0, headerStart = 0;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) | static_cast<size_t>(static_cast<unsigned char>(bytes[9]))
                                                              << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw bad("truncated");
    for (int k = 0; k < 4; ++k)
      headerLength |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + k])) << (8 * k);
    headerStart = 12;
  } else {
    throw bad(fmt::format("format version {}", major));
  }
  if (headerStart + headerLength > bytes.size()) throw bad("the header runs past the end of the file");
  std::string header = bytes.substr(headerStart, headerLength);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")) || m[1] != "<f4")
    throw bad("its dtype is not '<f4' (numpy.float32)");
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True"))) throw bad("it is in Fortran order");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) throw bad("no shape in its header");
  NpyArray a;
  uint64_t count = 1;
  std::string dims = m[1];
  std::regex number("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number); it != std::sregex_iterator(); ++it) {
    std::string digits = it->str();
    if (digits.size() > 12) throw bad("a dimension too large");
    int64_t d = std::stoll(digits);
    count *= static_cast<uint64_t>(d);
    if (count > kMaxNpyBytes / 4) throw bad("more elements than the file can hold");
    a.shape.push_back(d);
  }
  size_t dataStart = headerStart + headerLength;
  if (bytes.size() - dataStart != count * 4)
    throw bad(fmt::format("{} bytes of data for {} values", bytes.size() - dataStart, count));
  a.values.resize(count);
  if (count) std::memcpy(a.values.data(), bytes.data() + dataStart, count * 4);
  return a;
}

void writeNpy(const std::string& path, const NpyArray& array) {
  std::string shape;
  for (int64_t d : array.shape) shape += fmt::format("{}, ", d);
  if (array.shape.size() > 1) shape.resize(shape.size() - 2);  // (3,) keeps its comma, (2, 3) has none
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", shape);
  // The header and its newline end on a multiple of 64 bytes (the format's alignment).
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(array.values.data()), array.values.size() * sizeof(float));
  writeTextFile(path, out, "an array");
}

}  // namespace graphc
