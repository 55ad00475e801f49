// Model files in other encodings and line-end conventions: named, or read as the lexer expects.
#include <gtest/gtest.h>

#include "frontend/source_file.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

std::string errorOf(const std::string& bytes) {
  try {
    decodeModelText("m.mnn", bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(SourceFile, LineEndsOfEveryConventionBecomeLF) {
  EXPECT_EQ(decodeModelText("m.mnn", "a\r\nb\r\n"), "a\nb\n");  // Windows
  EXPECT_EQ(decodeModelText("m.mnn", "a\rb\r"), "a\nb\n");      // classic Mac OS: not one long comment
  EXPECT_EQ(decodeModelText("m.mnn", "# c\rx = 1\r\n"), "# c\nx = 1\n");
  EXPECT_EQ(decodeModelText("m.mnn", "a\r\r\nb"), "a\n\nb");
}

TEST(SourceFile, Utf8ByteOrderMarkIsDropped) {
  EXPECT_EQ(decodeModelText("m.mnn", "\xEF\xBB\xBFmodel m\n"), "model m\n");
}

TEST(SourceFile, WideEncodingsAreNamed) {
  using namespace std::string_literals;
  EXPECT_NE(errorOf("\xFF\xFEm\0o\0"s).find("UTF-16 (little-endian)"), std::string::npos);
  EXPECT_NE(errorOf("\xFE\xFF\0m\0o"s).find("UTF-16 (big-endian)"), std::string::npos);
  EXPECT_NE(errorOf("m\0o\0d\0"s).find("UTF-16 (little-endian)"), std::string::npos);  // no byte-order mark
  EXPECT_NE(errorOf("\xFF\xFE\0\0m\0\0\0"s).find("UTF-32 (little-endian)"), std::string::npos);
  EXPECT_NE(errorOf("\0\0\0m\0\0\0o"s).find("UTF-32 (big-endian)"), std::string::npos);
  EXPECT_NE(errorOf("\xFF\xFEm\0"s).find("iconv -f UTF-16LE -t UTF-8 m.mnn"), std::string::npos);
  EXPECT_EQ(errorOf("model m\n"), "");
}

}  // namespace
}  // namespace graphc
