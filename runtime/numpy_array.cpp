// \file The .npy header is a Python dict literal ({'descr': '<f4', 'fortran_order': False,
// 'shape': (60000, 28, 28), }) after a magic string and a version; .npz members are read with
// minizip (zlib's contrib), which inflates deflated members and passes stored ones through.
#include "runtime/numpy_array.h"

#include <minizip/unzip.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "runtime/byte_stream.h"
#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

// The largest file or member accepted, and the largest header (NumPy writes 128 bytes or so).
constexpr uint64_t kMaxBytes = uint64_t(1) << 32;
constexpr uint32_t kMaxHeaderBytes = 1 << 16;

[[noreturn]] void bad(const std::string& name, const std::string& what) { throw InputError(name + ": " + what); }

// The text after `'key':` in the header dict, spaces skipped; bad() when the key is absent.
size_t valueOf(const std::string& header, const std::string& key, const std::string& name) {
  for (const char* quote : {"'", "\""}) {
    size_t at = header.find(quote + key + quote);
    if (at == std::string::npos) continue;
    at = header.find(':', at + key.size() + 2);
    if (at == std::string::npos) break;
    ++at;
    while (at < header.size() && std::isspace(static_cast<unsigned char>(header[at]))) ++at;
    return at;
  }
  bad(name, "the .npy header has no '" + key + "' (is this a NumPy .npy array?)");
}

void parseDescr(const std::string& header, NumpyArray& a) {
  size_t at = valueOf(header, "descr", a.name);
  if (at < header.size() && header[at] == '[')
    bad(a.name, "a structured array (a dtype with fields) cannot be read; save a plain numeric array");
  if (at >= header.size() || (header[at] != '\'' && header[at] != '"'))
    bad(a.name, "the .npy header's descr is not a string");
  size_t end = header.find(header[at], at + 1);
  if (end == std::string::npos) bad(a.name, "the .npy header's descr is not a string");
  std::string descr = header.substr(at + 1, end - at - 1);
  if (descr.find('O') != std::string::npos)
    bad(a.name,
        "an object array (dtype=object) cannot be read; save the data as numbers, e.g. np.asarray(x, np.float32)");
  char order = descr.empty() ? '?' : descr[0];
  std::string type = descr.size() > 1 ? descr.substr(1) : "";
  static const struct {
    const char* code;
    char kind;
    int bytes;
  } kTypes[] = {{"u1", 'u', 1}, {"i4", 'i', 4}, {"i8", 'i', 8}, {"f4", 'f', 4}, {"f8", 'f', 8}};
  for (const auto& t : kTypes)
    if (type == t.code && (order == '<' || order == '|' || order == '=' || (order == '>' && t.bytes == 1))) {
      a.kind = t.kind;
      a.itemBytes = t.bytes;
      return;
    }
  if (order == '>')
    bad(a.name, "dtype '" + descr + "' is big-endian; save it little-endian: x.astype(x.dtype.newbyteorder('<'))");
  bad(a.name, "unsupported dtype '" + descr + "' (expected uint8, int32, int64, float32 or float64)");
}

void parseShape(const std::string& header, NumpyArray& a) {
  size_t at = valueOf(header, "fortran_order", a.name);
  if (header.compare(at, 4, "True") == 0)
    bad(a.name, "the array is in Fortran order; save it in C order: np.save(path, np.ascontiguousarray(x))");
  if (header.compare(at, 5, "False") != 0) bad(a.name, "the .npy header's fortran_order is neither True nor False");
  at = valueOf(header, "shape", a.name);
  size_t end = header.find(')', at);
  if (at >= header.size() || header[at] != '(' || end == std::string::npos)
    bad(a.name, "the .npy header's shape is not a tuple");
  uint64_t count = 1;
  for (size_t i = at + 1; i < end;) {
    char c = header[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
      ++i;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) bad(a.name, "the .npy header's shape is not a tuple of sizes");
    uint64_t d = 0;
    while (i < end && std::isdigit(static_cast<unsigned char>(header[i]))) {
      d = d * 10 + static_cast<uint64_t>(header[i++] - '0');
      if (d > kMaxBytes) bad(a.name, "the .npy header's shape describes more than 4 GiB");
    }
    if (i < end && header[i] == 'L') ++i;  // Python 2's long integers
    a.dims.push_back(static_cast<int64_t>(d));
    count *= d;
    if (count * static_cast<uint64_t>(a.itemBytes) > kMaxBytes)
      bad(a.name, "the .npy header's shape describes more than 4 GiB");
  }
}

uint32_t littleEndian(const std::vector<uint8_t>& b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | b[at + static_cast<size_t>(k)];
  return v;
}

NumpyArray readNumpy(ByteStream& in) {
  NumpyArray a;
  a.name = in.name();
  std::vector<uint8_t> b;
  readUpTo(in, 8, b);
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (b.size() < 8 || std::memcmp(b.data(), kMagic, 6) != 0)
    bad(a.name, "not a NumPy .npy array (it does not start with \\x93NUMPY)");
  int major = b[6];
  if (major < 1 || major > 3)
    bad(a.name, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(b[7]) +
                    " (expected 1.0, 2.0 or 3.0)");
  int lengthBytes = major == 1 ? 2 : 4;
  readUpTo(in, static_cast<uint64_t>(lengthBytes), b);
  if (b.size() < 8 + static_cast<size_t>(lengthBytes)) bad(a.name, "truncated .npy header");
  uint32_t headerBytes = littleEndian(b, 8, lengthBytes);
  if (headerBytes > kMaxHeaderBytes) bad(a.name, "the .npy header claims " + std::to_string(headerBytes) + " bytes");
  std::vector<uint8_t> text;
  if (readUpTo(in, headerBytes, text) != headerBytes) bad(a.name, "truncated .npy header");
  std::string header(text.begin(), text.end());
  parseDescr(header, a);
  parseShape(header, a);
  uint64_t bytes = static_cast<uint64_t>(a.count()) * static_cast<uint64_t>(a.itemBytes);
  uint64_t got = readUpTo(in, bytes + 1, a.data);
  if (got != bytes)
    bad(a.name, "the shape needs " + std::to_string(bytes) + " bytes of data, the file has " +
                    (got < bytes ? std::to_string(got) + " (truncated?)" : "more"));
  return a;
}

// An .npz archive, opened after checking that the path is a regular file of bounded size.
class Npz {
 public:
  explicit Npz(const std::string& path) : path_(path) {
    std::string why;
    int fd = openRegularFile(path, kMaxBytes, &why);
    if (fd < 0) bad(path, "cannot open the file (" + why + ")");
    ::close(fd);
    zip_ = unzOpen64(path.c_str());
    if (!zip_) bad(path, "not a NumPy .npz archive (not a readable zip file)");
  }
  ~Npz() { unzClose(zip_); }
  Npz(const Npz&) = delete;
  Npz& operator=(const Npz&) = delete;

  std::vector<std::string> members() {
    std::vector<std::string> names;
    for (int rc = unzGoToFirstFile(zip_); rc == UNZ_OK; rc = unzGoToNextFile(zip_)) {
      char name[1024];
      unz_file_info64 info;
      if (unzGetCurrentFileInfo64(zip_, &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK)
        bad(path_, "corrupt zip directory");
      names.emplace_back(name);
      if (names.size() > 100000) bad(path_, "more than 100000 members");
    }
    return names;
  }

  unzFile zip() { return zip_; }

 private:
  std::string path_;
  unzFile zip_ = nullptr;
};

// The open member of a zip archive as a stream; its CRC is checked once it has been read whole.
class MemberStream : public ByteStream {
 public:
  MemberStream(const std::string& name, unzFile zip) : ByteStream(name), zip_(zip) {
    if (unzOpenCurrentFile(zip_) != UNZ_OK)
      bad(name, "cannot read the member (compressed with a method other than deflate, or corrupt)");
  }
  ~MemberStream() override { unzCloseCurrentFile(zip_); }
  size_t read(uint8_t* dst, size_t n) override {
    int got = unzReadCurrentFile(zip_, dst, static_cast<unsigned>(std::min<size_t>(n, 1u << 30)));
    if (got < 0) bad(name(), "corrupt compressed data");
    return static_cast<size_t>(got);
  }

 private:
  unzFile zip_;
};

}  // namespace

int64_t NumpyArray::count() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

double NumpyArray::value(size_t i) const {
  const uint8_t* p = &data[i * static_cast<size_t>(itemBytes)];
  switch (kind) {
    case 'u':
      return *p;
    case 'i':
      if (itemBytes == 4) {
        int32_t v;
        std::memcpy(&v, p, 4);
        return v;
      } else {
        int64_t v;
        std::memcpy(&v, p, 8);
        return static_cast<double>(v);
      }
    default:
      if (itemBytes == 4) {
        float v;
        std::memcpy(&v, p, 4);
        return v;
      } else {
        double v;
        std::memcpy(&v, p, 8);
        return v;
      }
  }
}

NumpyArray readNpy(const std::string& path) {
  std::unique_ptr<ByteStream> in = openDataFile(path, kMaxBytes);
  return readNumpy(*in);
}

std::vector<std::string> npzArrayNames(const std::string& path) {
  std::vector<std::string> names;
  for (std::string m : Npz(path).members()) {
    if (m.size() > 4 && m.compare(m.size() - 4, 4, ".npy") == 0) m.resize(m.size() - 4);
    names.push_back(m);
  }
  return names;
}

NumpyArray readNpzArray(const std::string& path, const std::string& name) {
  Npz npz(path);
  std::string member = name + ".npy";
  if (unzLocateFile(npz.zip(), member.c_str(), 1) != UNZ_OK) {
    std::string held;
    for (const std::string& m : npzArrayNames(path)) held += (held.empty() ? "" : ", ") + m;
    bad(path, "no array named '" + name + "' (the archive holds: " + (held.empty() ? "nothing" : held) + ")");
  }
  MemberStream in(path + ":" + member, npz.zip());
  return readNumpy(in);
}

}  // namespace graphc
