// \file User errors: a message tied to a source location, printed as FILE:LINE:COL with a caret.
#pragma once

#include <stdexcept>
#include <string>

#include "support/source_location.h"

namespace graphc {

// A mistake in the user's input (never a compiler bug). Thrown by every stage that checks
// user input; caught by the command line, printed with formatDiagnostic, exit code 2.
class UserError : public std::runtime_error {
 public:
  UserError(SourceLoc loc, const std::string& message) : std::runtime_error(message), loc_(loc) {}
  SourceLoc loc() const { return loc_; }

 private:
  SourceLoc loc_;
};

// A user error not tied to a place in the source (a flag, a data file, a checkpoint).
// The message names the file or flag itself.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A run that could not go on although its input was fine: the loss or a gradient stopped being
// finite, a device failed. The message says at which step and which op; exit code 1.
class RunFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A broken invariant inside graphc: a bug to fix, never the user's fault.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// "FILE:LINE:COL: error: MESSAGE", then the source line and a caret under the column.
// Without a valid location it is "FILE: error: MESSAGE".
std::string formatDiagnostic(const std::string& file, const std::string& source, SourceLoc loc,
                             const std::string& message);

// Throws InternalError naming the pass when cond is false.
void internalCheck(bool cond, const std::string& where, const std::string& message);

}  // namespace graphc
