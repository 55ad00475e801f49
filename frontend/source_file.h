// \file Reading a .mnn file into the text the lexer sees: bounded, plain files only, and in one
// encoding (UTF-8) with one line ending (LF), so that line and column numbers mean the same
// thing in every diagnostic whatever editor wrote the file.
#pragma once

#include <string>

namespace graphc {

// The file's text: at most 16 MiB, from a regular file (a FIFO or /dev/zero would be read
// forever). A UTF-8 byte-order mark is dropped; CRLF (Windows) and lone CR (classic Mac OS) line
// ends become LF. A UTF-16 or UTF-32 file is an InputError naming its encoding and the iconv
// command that converts it, instead of mojibake at line 1.
std::string readModelSource(const std::string& path);

// The same decoding for text already in memory; name is the file's name for messages.
std::string decodeModelText(const std::string& name, std::string bytes);

}  // namespace graphc
