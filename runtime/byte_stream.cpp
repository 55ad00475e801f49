// \file Data files through zlib's gz reader, which reads plain files unchanged.
#include "runtime/byte_stream.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>

#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

class GzStream : public ByteStream {
 public:
  GzStream(const std::string& path, gzFile f) : ByteStream(path), file_(f) {}
  ~GzStream() override { gzclose(file_); }
  size_t read(uint8_t* dst, size_t n) override {
    int got = gzread(file_, dst, static_cast<unsigned>(std::min<size_t>(n, 1u << 30)));
    if (got < 0) throw InputError(name() + ": corrupt compressed data");
    return static_cast<size_t>(got);
  }

 private:
  gzFile file_;
};

}  // namespace

std::unique_ptr<ByteStream> openDataFile(const std::string& path, uint64_t maxBytes) {
  std::string why;
  int fd = openRegularFile(path, maxBytes, &why);
  if (fd < 0) throw InputError(path + ": cannot open the file (" + why + ")");
  gzFile f = gzdopen(fd, "rb");
  if (!f) {
    ::close(fd);
    throw InputError(path + ": cannot open the file");
  }
  return std::make_unique<GzStream>(path, f);
}

uint64_t readUpTo(ByteStream& in, uint64_t limit, std::vector<uint8_t>& out) {
  uint8_t chunk[1 << 16];
  uint64_t total = 0;
  while (total < limit) {
    size_t n = in.read(chunk, static_cast<size_t>(std::min<uint64_t>(sizeof chunk, limit - total)));
    if (n == 0) break;
    out.insert(out.end(), chunk, chunk + n);
    total += n;
  }
  return total;
}

}  // namespace graphc
