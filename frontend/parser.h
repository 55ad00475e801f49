// \file Lexer and recursive-descent parser for .mnn text (docs/language.md sections 1-3 and 6).
#pragma once

#include <string>

#include "frontend/ast.h"

namespace graphc {

// Parses source text. Throws UserError (with location) on the first syntax error.
Program parseProgram(const std::string& file, const std::string& source);

// Reads the file and parses it. A file that cannot be read is an InputError.
Program parseFile(const std::string& path);

// The AST as indented text, one statement or expression node per line (`graphc dump --stage ast`).
std::string printAst(const Program& program);

}  // namespace graphc
