// \file Signal handling for the training loop: the handler only sets an atomic flag.
#include "runtime/interrupt.h"

#include <csignal>

namespace graphc {
namespace {

volatile std::sig_atomic_t signalled = 0;
struct sigaction previousInt, previousTerm;

void onSignal(int signal) { signalled = signal; }

}  // namespace

InterruptGuard::InterruptGuard() {
  signalled = 0;
  struct sigaction action = {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previousInt);
  sigaction(SIGTERM, &action, &previousTerm);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &previousInt, nullptr);
  sigaction(SIGTERM, &previousTerm, nullptr);
}

bool InterruptGuard::requested() const { return signalled != 0; }

}  // namespace graphc
