// \file CSV parsing: std::from_chars reads numbers the same way whatever the locale.
#include "runtime/csv_table.h"

#include <charconv>
#include <cmath>

#include "runtime/byte_stream.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

constexpr uint64_t kMaxCsvBytes = uint64_t(1) << 31;

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The fields of one line; double quotes enclose a field that may hold commas ("" is a quote).
std::vector<std::string> fieldsOf(const std::string& line, const std::string& where) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(trimmed(field));
      field.clear();
    } else {
      field += c;
    }
  }
  if (quoted) throw InputError(where + ": a double quote is not closed on this line");
  fields.push_back(trimmed(field));
  return fields;
}

bool parseNumber(const std::string& field, float& out) {
  const char* begin = field.data();
  const char* end = begin + field.size();
  if (begin != end && *begin == '+') ++begin;
  double v = 0;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || begin == end) return false;
  out = static_cast<float>(v);
  return true;
}

}  // namespace

CsvTable readCsv(const std::string& path) {
  std::unique_ptr<ByteStream> in = openDataFile(path, kMaxCsvBytes);
  std::vector<uint8_t> bytes;
  if (readUpTo(*in, kMaxCsvBytes + 1, bytes) > kMaxCsvBytes) throw InputError(path + ": larger than 2 GiB");
  CsvTable t;
  t.path = path;
  int64_t lineNo = 0;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = start;
    while (end < bytes.size() && bytes[end] != '\n') ++end;
    std::string line(bytes.begin() + static_cast<std::ptrdiff_t>(start),
                     bytes.begin() + static_cast<std::ptrdiff_t>(end));
    start = end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trimmed(line).empty()) continue;
    std::string where = path + ":" + std::to_string(lineNo);
    std::vector<std::string> fields = fieldsOf(line, where);
    auto n = static_cast<int64_t>(fields.size());
    bool first = t.columns == 0;
    if (first) {
      t.columns = n;
      float ignored;
      for (const std::string& f : fields)
        if (!parseNumber(f, ignored)) {
          t.header = fields;
          break;
        }
      if (!t.header.empty()) continue;
    } else if (n != t.columns) {
      throw InputError(where + ": expected " + std::to_string(t.columns) + " columns (as " +
                       (t.header.empty() ? "the first row" : "the header") + " has), found " + std::to_string(n));
    }
    for (size_t c = 0; c < fields.size(); ++c) {
      float v = 0;
      if (!parseNumber(fields[c], v) || !std::isfinite(v))
        throw InputError(where + ": column " + std::to_string(c + 1) + ": expected a finite number, found '" +
                         fields[c].substr(0, 40) + "'");
      t.values.push_back(v);
    }
    t.lines.push_back(lineNo);
  }
  if (t.lines.empty()) throw InputError(path + ": no rows of numbers");
  return t;
}

}  // namespace graphc
