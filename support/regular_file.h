// \file Opening an input file that must be a plain file of bounded size: a FIFO or a device
// (/dev/zero) would be read forever, a huge file would be read into memory whole.
#pragma once

#include <cstdint>
#include <string>

namespace graphc {

// Opens path for reading (close-on-exec) if it is a regular file of at most maxBytes bytes;
// never blocks, not even on a FIFO without a writer. Returns the descriptor, or -1 with the reason
// in *why ("No such file or directory", "not a regular file (a FIFO)", "larger than ...").
int openRegularFile(const std::string& path, uint64_t maxBytes, std::string* why);

// The whole of path into *bytes, under the same conditions (also when the file grows past maxBytes
// while it is read). False with the reason in *why otherwise.
bool readRegularFile(const std::string& path, uint64_t maxBytes, std::string* bytes, std::string* why);

}  // namespace graphc
