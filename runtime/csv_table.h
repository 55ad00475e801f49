// \file Reading a CSV file of numbers, one example a row, plain or gzip-compressed: the first row
// is a header when any of its fields is not a number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;  // the column names; empty when the file has no header row
  int64_t columns = 0;
  std::vector<float> values;   // row major, rows() x columns
  std::vector<int64_t> lines;  // the file's line number of each row, for messages
  int64_t rows() const { return static_cast<int64_t>(lines.size()); }
};

// Reads a CSV file of finite numbers separated by commas (fields may be double-quoted; blank
// lines are skipped). A row with another number of columns than the first, or a field that is not
// a number, is an InputError naming the file and the line.
CsvTable readCsv(const std::string& path);

}  // namespace graphc
