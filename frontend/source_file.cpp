// \file Model files: bounded reads of plain files, encodings named, line ends normalized.
#include "frontend/source_file.h"

#include <cstdint>

#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

// The largest model file read: the seven examples take under 4 KB; a larger file is not a model.
constexpr uint64_t kMaxModelBytes = 16 << 20;

bool startsWith(const std::string& s, const char* prefix, size_t n) {
  return s.size() >= n && s.compare(0, n, prefix, n) == 0;
}

// The encoding of a file that is not UTF-8 (or ASCII), from its byte-order mark, or, without one,
// from the zero bytes that UTF-16 and UTF-32 put beside every ASCII character; empty for UTF-8.
std::string wideEncoding(const std::string& s) {
  if (startsWith(s, "\xFF\xFE\x00\x00", 4)) return "UTF-32 (little-endian)";
  if (startsWith(s, "\x00\x00\xFE\xFF", 4)) return "UTF-32 (big-endian)";
  if (startsWith(s, "\xFF\xFE", 2)) return "UTF-16 (little-endian)";
  if (startsWith(s, "\xFE\xFF", 2)) return "UTF-16 (big-endian)";
  if (s.size() >= 4 && s[0] != 0 && s[1] == 0 && s[2] == 0 && s[3] == 0) return "UTF-32 (little-endian)";
  if (s.size() >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] != 0) return "UTF-32 (big-endian)";
  if (s.size() >= 2 && s[0] != 0 && s[1] == 0) return "UTF-16 (little-endian)";
  if (s.size() >= 2 && s[0] == 0 && s[1] != 0) return "UTF-16 (big-endian)";
  return "";
}

}  // namespace

std::string decodeModelText(const std::string& name, std::string bytes) {
  std::string encoding = wideEncoding(bytes);
  if (!encoding.empty()) {
    std::string from = encoding.substr(0, 6) + (encoding.find("big") != std::string::npos ? "BE" : "LE");
    throw InputError("'" + name + "' is " + encoding + " text; graphc reads UTF-8: convert it with `iconv -f " + from +
                     " -t UTF-8 " + name + " > model-utf8.mnn`");
  }
  if (startsWith(bytes, "\xEF\xBB\xBF", 3)) bytes.erase(0, 3);
  std::string text;
  text.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '\r') {
      text += bytes[i];
    } else if (i + 1 >= bytes.size() || bytes[i + 1] != '\n') {
      text += '\n';  // a lone CR ends a line; CRLF's CR is dropped here and its LF kept next
    }
  }
  return text;
}

std::string readModelSource(const std::string& path) {
  std::string bytes, why;
  if (!readRegularFile(path, kMaxModelBytes, &bytes, &why)) throw InputError("cannot read '" + path + "': " + why);
  return decodeModelText(path, std::move(bytes));
}

}  // namespace graphc
