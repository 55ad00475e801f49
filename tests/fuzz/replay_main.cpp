// \file Runs a fuzz target's entry point on saved inputs without libFuzzer, so that any compiler
// can build it: the ctest regression tests replay the seed corpus and every input a fuzzer once
// failed on (tests/fuzz/regressions/). Arguments are files or directories (every file in them);
// a missing one is skipped, but replaying no input at all fails.
// A failing input crashes or throws out of here, which fails the test; its name is printed first.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> inputs(const std::filesystem::path& arg) {
  std::vector<std::filesystem::path> files;
  // A target without regressions yet has no regressions/TARGET folder (git keeps no empty ones).
  if (!std::filesystem::exists(arg)) {
    std::cout << "skipping " << arg.string() << ": does not exist\n";
  } else if (std::filesystem::is_directory(arg)) {
    for (const auto& entry : std::filesystem::directory_iterator(arg))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(arg);
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " FILE_OR_DIRECTORY...\n";
    return 2;
  }
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& path : inputs(argv[i])) {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        std::cerr << "cannot read " << path << "\n";
        return 1;
      }
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::cout << "replaying " << path.string() << " (" << bytes.size() << " bytes)" << std::endl;
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++replayed;
    }
  }
  // An empty run would pass without testing anything: a moved or misspelt corpus must fail.
  if (replayed == 0) {
    std::cerr << "no inputs found\n";
    return 1;
  }
  std::cout << replayed << " inputs replayed without a finding\n";
  return 0;
}
