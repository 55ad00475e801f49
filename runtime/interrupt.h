// \file Ctrl-C during training: SIGINT/SIGTERM ask the loop to stop after the current step.
#pragma once

#include <stdexcept>
#include <string>

namespace graphc {

// While alive, SIGINT and SIGTERM set a flag instead of killing the process; the previous
// handlers come back when it is destroyed.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // True once a signal arrived (since this guard was installed).
  bool requested() const;
};

// Thrown by the training loop after it stopped on a signal (and saved, with --save);
// the command line exits 130, as a shell does for Ctrl-C.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace graphc
