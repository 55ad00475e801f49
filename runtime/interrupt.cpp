// \file Signal handling for the training loop: the first signal only sets an atomic flag; the
// second exits from the handler, with async-signal-safe calls only (write, unlink, _exit).
#include "runtime/interrupt.h"

#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include "support/atomic_file.h"

namespace graphc {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
volatile std::sig_atomic_t signalled = 0;
struct sigaction previous[3];

void say(const char* text, size_t length) {
  ssize_t ignored = ::write(STDERR_FILENO, text, length);
  (void)ignored;  // a closed terminal (SIGHUP) cannot be told anything
}

void onSignal(int signal) {
  if (signalled != 0) {
    removeTemporaryInProgress();
    static const char kNow[] = "\ngraphc: interrupted again: stopped at once, nothing saved\n";
    say(kNow, sizeof kNow - 1);
    _exit(130);
  }
  signalled = signal;
  // Starts with a newline: a progress line may be half-drawn on the terminal.
  static const char kSoon[] = "\ngraphc: stopping (press Ctrl-C again to stop at once)\n";
  say(kSoon, sizeof kSoon - 1);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  signalled = 0;
  struct sigaction action = {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous[i]);
}

InterruptGuard::~InterruptGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous[i], nullptr);
}

bool InterruptGuard::requested() const { return signalled != 0; }

std::thread threadWithoutSignals(std::function<void()> body) {
  // A new thread starts with its creator's signal mask: blocked here for the moment it is made.
  sigset_t blocked, previousMask;
  sigemptyset(&blocked);
  for (int s : kSignals) sigaddset(&blocked, s);
  pthread_sigmask(SIG_BLOCK, &blocked, &previousMask);
  struct Restore {
    const sigset_t& mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previousMask};
  return std::thread(std::move(body));
}

}  // namespace graphc
