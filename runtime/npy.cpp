// \file f32 .npy files (npy.h): read by the data sets' reader, written in numpy.lib.format 1.0.
#include "runtime/npy.h"

#include <fmt/core.h>

#include <cstring>

#include "runtime/metrics_json.h"
#include "runtime/numpy_array.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

const char kMagic[] = "\x93NUMPY";

}  // namespace

NpyArray readFloatNpy(const std::string& path) {
  NumpyArray in = readNpy(path);
  if (in.kind != 'f' || in.itemBytes != 4)
    throw InputError(fmt::format("{}: expected a float32 array, found {}{} (save it with np.asarray(x, np.float32))",
                                 path,
                                 in.kind == 'u'   ? "uint"
                                 : in.kind == 'i' ? "int"
                                                  : "float",
                                 8 * in.itemBytes));
  NpyArray a;
  a.shape = in.dims;
  a.values.resize(static_cast<size_t>(in.count()));
  if (!a.values.empty()) std::memcpy(a.values.data(), in.data.data(), a.values.size() * sizeof(float));
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
