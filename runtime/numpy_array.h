// \file Reading NumPy's .npy arrays (format versions 1 to 3) and .npz archives of them, the format
// of keras.datasets: both np.savez (stored members) and np.savez_compressed (deflated members).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

struct NumpyArray {
  std::vector<int64_t> dims;
  char kind = 'u';            // 'u' unsigned, 'i' signed integer, 'f' floating point
  int itemBytes = 1;          // uint8 1; int32, float32 4; int64, float64 8
  std::vector<uint8_t> data;  // the elements in C order, little-endian
  std::string name;           // the file, or `archive.npz:member`, for messages

  int64_t count() const;         // elements
  double value(size_t i) const;  // element i as a double (exact for every uint8 and int32)
};

// Reads a .npy file. Only the dtypes uint8, int32, int64, float32 and float64 in C order are
// accepted; a Fortran-order array, an object or structured array, another dtype or a truncated
// file is an InputError naming the file.
NumpyArray readNpy(const std::string& path);

// The names of the arrays in an .npz archive (its members without `.npy`), in archive order.
std::vector<std::string> npzArrayNames(const std::string& path);

// Reads the array `name` of an .npz archive. A missing array is an InputError that lists the
// arrays the archive holds.
NumpyArray readNpzArray(const std::string& path, const std::string& name);

}  // namespace graphc
