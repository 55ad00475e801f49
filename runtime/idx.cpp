// \file IDX reader: zlib's gz reader handles plain and compressed files alike. The header is read
// first and the data only up to the size it declares, so a small compressed file that inflates
// to gigabytes costs no more memory than the data it claims to hold.
#include "runtime/idx.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

// The largest IDX file accepted, compressed or not (MNIST's largest is 47 MB).
constexpr uint64_t kMaxFileBytes = uint64_t(1) << 32;

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

// Opens a regular file (a FIFO or a device such as /dev/zero is refused at once) for gzread.
GzFile openIdx(const std::string& path) {
  std::string why;
  int fd = openRegularFile(path, kMaxFileBytes, &why);
  if (fd < 0) throw InputError(path + ": cannot open the file (" + why + ")");
  gzFile f = gzdopen(fd, "rb");
  if (!f) {
    ::close(fd);
    throw InputError(path + ": cannot open the file");
  }
  return GzFile(f, gzclose);
}

// Appends up to `limit` more (decompressed) bytes to out; returns how many it read.
uint64_t readUpTo(gzFile f, const std::string& path, uint64_t limit, std::vector<uint8_t>& out) {
  uint8_t chunk[1 << 16];
  uint64_t total = 0;
  while (total < limit) {
    unsigned want = static_cast<unsigned>(std::min<uint64_t>(sizeof chunk, limit - total));
    int n = gzread(f, chunk, want);
    if (n < 0) throw InputError(path + ": corrupt compressed data");
    if (n == 0) break;
    out.insert(out.end(), chunk, chunk + n);
    total += static_cast<uint64_t>(n);
  }
  return total;
}

}  // namespace

IdxArray readIdx(const std::string& path) {
  GzFile file = openIdx(path);
  gzFile f = file.get();
  std::vector<uint8_t> b;
  readUpTo(f, path, 4, b);
  if (b.size() < 4) throw InputError(path + ": too short for an IDX header (" + std::to_string(b.size()) + " bytes)");
  if (b[0] != 0 || b[1] != 0)
    throw InputError(path + ": wrong magic number: expected two zero bytes, found " + std::to_string(b[0]) + " " +
                     std::to_string(b[1]));
  if (b[2] != 0x08)
    throw InputError(path + ": unsupported IDX element type " + std::to_string(b[2]) + " (expected 8, unsigned byte)");
  size_t rank = b[3];
  if (rank == 0 || rank > 4) throw InputError(path + ": unsupported number of dimensions " + std::to_string(rank));
  size_t header = 4 + 4 * rank;
  readUpTo(f, path, header - 4, b);
  if (b.size() < header) throw InputError(path + ": truncated IDX header");
  IdxArray a;
  uint64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    const uint8_t* p = &b[4 + 4 * i];
    uint32_t d = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
    if (d == 0 || d > (1u << 28)) throw InputError(path + ": absurd dimension " + std::to_string(d) + " in the header");
    a.dims.push_back(d);
    count *= d;
    if (count > (uint64_t(1) << 32)) throw InputError(path + ": the dimensions describe more than 4 GiB");
  }
  // One byte beyond the declared data tells a file that is too long from one that fits, without
  // decompressing the rest.
  uint64_t got = readUpTo(f, path, count + 1, a.data);
  if (got != count)
    throw InputError(path + ": the header's dimensions need " + std::to_string(count) +
                     " bytes of data, the file has " + (got < count ? std::to_string(got) + " (truncated?)" : "more"));
  return a;
}

}  // namespace graphc
