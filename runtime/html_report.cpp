// \file report.html: plain HTML and a little CSS, the pictures inline as base64 PNGs.
#include "runtime/html_report.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "runtime/plots.h"
#include "support/atomic_file.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// The file's bytes; "" when it cannot be read (an optional part of the folder).
std::string contentsOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += digits[(n >> 18) & 63];
    out += digits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? digits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? digits[n & 63] : '=';
  }
  return out;
}

// CSV rows split into cells, honouring RFC 4180 quotes (hparams.csv quotes some values).
std::vector<std::vector<std::string>> csvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        cell += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        cell += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(cell), cell.clear();
    } else if (c == '\n') {
      row.push_back(cell), cell.clear();
      rows.push_back(row), row.clear();
    } else {
      cell += c;
    }
  }
  if (!cell.empty() || !row.empty()) row.push_back(cell), rows.push_back(row);
  return rows;
}

// A number cell with 4 decimals (as the epoch lines print them), whole numbers as they are.
std::string shown(const std::string& cell) {
  char* end = nullptr;
  double v = std::strtod(cell.c_str(), &end);
  if (cell.empty() || *end != '\0' || cell.find_first_of(".eE") == std::string::npos) return escaped(cell);
  return fmt::format("{:.4f}", v);
}

// rounded: numbers with decimals shown with 4 (metrics); else every cell as written (hyper-parameters).
std::string table(const std::vector<std::vector<std::string>>& rows, bool rounded) {
  std::string html = "<table>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    html += "<tr>";
    for (const std::string& c : rows[r])
      html +=
          r == 0 ? fmt::format("<th>{}</th>", escaped(c)) : fmt::format("<td>{}</td>", rounded ? shown(c) : escaped(c));
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string picture(const std::string& dir, const std::string& name, const std::string& caption) {
  std::string png = contentsOf(dir + "/" + name);
  if (png.empty()) return "";
  return fmt::format("<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
                     base64(png), escaped(caption), escaped(caption));
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0}th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}"
    "th{background:#eef}pre{background:#f6f6f6;padding:0.5em;overflow-x:auto}"
    "img{max-width:100%;border:1px solid #ddd}figure{display:inline-block;margin:0.5em;vertical-align:top}";

}  // namespace

std::string writeHtmlReport(const std::string& dir) {
  drawPlots(dir);  // an InputError without metrics.csv
  auto hparams = csvRows(contentsOf(dir + "/hparams.csv"));
  std::string model = "graphc run";
  for (const auto& row : hparams)
    if (row.size() == 2 && row[0] == "model") model = row[1];

  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}: graphc report</title>\n"
      "<style>{1}</style>\n</head>\n<body>\n<h1>{0}</h1>\n<p>The run logged in <code>{2}</code>.</p>\n",
      escaped(model), kStyle, escaped(dir));
  if (hparams.size() > 1) html += "<h2>Hyper-parameters</h2>\n" + table(hparams, false);
  std::string summary = contentsOf(dir + "/summary.txt");
  if (!summary.empty()) html += "<h2>Model</h2>\n<pre>" + escaped(summary) + "</pre>\n";
  auto test = csvRows(contentsOf(dir + "/test.csv"));
  if (test.size() > 1) html += "<h2>Test set</h2>\n" + table(test, true);
  html += "<h2>Training</h2>\n" + table(csvRows(contentsOf(dir + "/metrics.csv")), true);
  html += picture(dir, "curves.png", "loss and metrics, training and validation");
  std::string predictions =
      picture(dir, "predictions.png", "the first 25 test images: predicted (true), mistakes in red") +
      picture(dir, "confusion.png", "confusion matrix of the test set");
  if (!predictions.empty()) html += "<h2>Predictions</h2>\n" + predictions;
  html += "</body>\n</html>\n";

  std::string path = dir + "/report.html";
  std::string why = writeFileAtomically(path, html);
  if (!why.empty()) throw RunFailure(fmt::format("cannot write {}: {}", path, why));
  return path;
}

}  // namespace graphc
