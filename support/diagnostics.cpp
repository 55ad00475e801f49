// \file Prints user errors as FILE:LINE:COL with the source line and a caret; checks invariants.
#include "support/diagnostics.h"

namespace graphc {
namespace {

// The text of 1-based line `line` without its line break, or false past the end of source.
bool sourceLine(const std::string& source, int line, std::string* text) {
  size_t start = 0;
  for (int current = 1; current < line; ++current) {
    size_t newline = source.find('\n', start);
    if (newline == std::string::npos) return false;
    start = newline + 1;
  }
  size_t end = source.find('\n', start);
  if (end == std::string::npos) end = source.size();
  *text = source.substr(start, end - start);
  if (!text->empty() && text->back() == '\r') text->pop_back();
  return true;
}

// Spaces up to the column, keeping tabs so the caret lines up however tabs are rendered, and
// skipping UTF-8 continuation bytes, which a terminal shows as part of the previous character.
std::string caretIndent(const std::string& text, int col) {
  std::string indent;
  for (int i = 0; i + 1 < col; ++i) {
    if (static_cast<size_t>(i) >= text.size()) {
      indent += ' ';
      continue;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\t') {
      indent += '\t';
    } else if ((c & 0xc0) != 0x80) {
      indent += ' ';
    }
  }
  return indent;
}

}  // namespace

std::string formatDiagnostic(const std::string& file, const std::string& source, SourceLoc loc,
                             const std::string& message) {
  if (!loc.valid()) return file + ": error: " + message + "\n";
  std::string header =
      file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": error: " + message + "\n";
  std::string text;
  if (!sourceLine(source, loc.line, &text)) return header;
  return header + "  " + text + "\n  " + caretIndent(text, loc.col) + "^\n";
}

void internalCheck(bool cond, const std::string& where, const std::string& message) {
  if (!cond) throw InternalError("internal error in " + where + ": " + message);
}

}  // namespace graphc
