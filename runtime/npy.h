// \file NumPy's .npy files of f32 arrays (C order, little-endian `<f4`): what `graphc infer`
// reads as inputs and writes as outputs, as numpy.save and numpy.load do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> values;  // row-major
};

// Reads path; an InputError naming it when it is not a C-order little-endian f32 .npy file
// (format versions 1 to 3) whose data matches its shape.
NpyArray readNpy(const std::string& path);

// Writes the array as a version 1 .npy file, atomically; an InputError when it cannot.
void writeNpy(const std::string& path, const NpyArray& array);

}  // namespace graphc
