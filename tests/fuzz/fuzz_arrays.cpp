// \file libFuzzer target over the readers of array data sets, untrusted files a user downloads:
// every input is read as a NumPy .npy array, as an .npz archive (its directory, then each array
// it names, through minizip) and as a CSV file (runtime/numpy_array.*, runtime/csv_table.*).
// Rejections must be InputErrors; a crash, a sanitizer report or any other exception is a finding.
#include <cstddef>
#include <cstdint>

#include "memory_file.h"
#include "runtime/csv_table.h"
#include "runtime/numpy_array.h"
#include "support/diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemoryFile input;
  input.write(data, size);
  const std::string& path = input.path();
  try {
    graphc::readNpy(path);
  } catch (const graphc::InputError&) {
  }
  try {
    std::vector<std::string> names = graphc::npzArrayNames(path);
    for (size_t i = 0; i < names.size() && i < 4; ++i) graphc::readNpzArray(path, names[i]);
  } catch (const graphc::InputError&) {
  }
  try {
    graphc::readCsv(path);
  } catch (const graphc::InputError&) {
  }
  return 0;
}
