// \file NumPy's .npy files of f32 arrays (C order, little-endian `<f4`): what `graphc infer`
// reads as inputs (through the data sets' reader, runtime/numpy_array.h) and writes as outputs,
// as numpy.save and numpy.load do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> values;  // row-major
};

// Reads path with readNpy (runtime/numpy_array.h); an InputError naming it when that does or
// when the array is not float32.
NpyArray readFloatNpy(const std::string& path);

// Writes the array as a version 1 .npy file, atomically; an InputError when it cannot.
void writeNpy(const std::string& path, const NpyArray& array);

}  // namespace graphc
