// \file Ctrl-C during training: SIGINT, SIGTERM and SIGHUP ask the loop to stop after the current
// step (and save, with --save); a second one stops the process at once.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

namespace graphc {

// While alive, the first SIGINT, SIGTERM or SIGHUP (a closed terminal or ssh session) sets a flag
// instead of killing the process, and says on standard error that the run stops after the current
// step; a second one exits at once with 130, nothing saved, after removing any file half-written
// (a compilation or an evaluation can take long, and a user pressing Ctrl-C twice means now).
// The previous handlers come back when it is destroyed.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // True once a signal arrived (since this guard was installed).
  bool requested() const;
};

// A thread that never takes these signals, so that they reach the thread that runs the loop and
// checks the guard (a helper thread, such as the one preparing batches, is stopped by its owner).
std::thread threadWithoutSignals(std::function<void()> body);

// Thrown by the training loop after it stopped on a signal (and saved, with --save);
// the command line exits 130, as a shell does for Ctrl-C.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace graphc
