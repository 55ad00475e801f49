// \file Reading a data file's bytes in order, whatever holds them: a plain or gzip-compressed file
// (zlib's gz reader handles both), or a member of a zip archive (runtime/numpy_array.cpp). Readers
// take the header first and the data only up to the size it declares, so a small compressed file
// that inflates to gigabytes costs no more memory than the data it claims to hold.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace graphc {

class ByteStream {
 public:
  explicit ByteStream(std::string name) : name_(std::move(name)) {}
  virtual ~ByteStream() = default;
  // Up to n bytes into dst; 0 at the end. Corrupt compressed data is an InputError naming name().
  virtual size_t read(uint8_t* dst, size_t n) = 0;
  // The file (or `archive.npz:member`) for messages.
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// A regular file of at most maxBytes on disk (a FIFO or a device is refused at once), plain or
// gzip-compressed. Throws InputError naming the path when it cannot be opened.
std::unique_ptr<ByteStream> openDataFile(const std::string& path, uint64_t maxBytes);

// Appends up to `limit` more bytes to out; returns how many it read.
uint64_t readUpTo(ByteStream& in, uint64_t limit, std::vector<uint8_t>& out);

}  // namespace graphc
