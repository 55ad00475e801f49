// \file The progress display: Keras' bar and ETA (keras/utils/generic_utils.py, Progbar), drawn
// with a carriage return and "erase to end of line" (ESC [ K) on a terminal only.
#include "runtime/progress_bar.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace graphc {
namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(100);  // at most ten times a second

bool stdoutIsTerminal() {
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

int terminalColumns() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 0;
}

}  // namespace

std::optional<ProgressMode> progressModeNamed(const std::string& word) {
  if (word == "auto") return stdoutIsTerminal() ? ProgressMode::Bar : ProgressMode::Lines;
  if (word == "bar") return ProgressMode::Bar;
  if (word == "lines") return ProgressMode::Lines;
  if (word == "none") return ProgressMode::None;
  return std::nullopt;
}

std::string progressBar(int64_t done, int64_t total, int width) {
  int64_t filled = total > 0 ? std::min<int64_t>(width, width * done / total) : 0;
  std::string bar = "[";
  if (filled > 0) bar += std::string(static_cast<size_t>(filled - 1), '=') + (done < total ? ">" : "=");
  bar += std::string(static_cast<size_t>(width - filled), '.');
  return bar + "]";
}

std::string etaText(double seconds) {
  auto s = static_cast<int64_t>(seconds);
  if (seconds > 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, (s % 3600) / 60, s % 60);
  if (seconds > 60) return fmt::format("{}:{:02d}", s / 60, s % 60);
  return fmt::format("{}s", s);
}

ProgressDisplay::ProgressDisplay(std::ostream& out, ProgressMode mode) : out_(out), mode_(mode) {
  if (mode_ == ProgressMode::Bar) columns_ = terminalColumns();
}

ProgressDisplay::~ProgressDisplay() {
  stopTicker();
  std::lock_guard<std::mutex> lock(mutex_);
  if (live_) out_ << "\n" << std::flush;  // the last bar stays visible, the shell starts below it
}

void ProgressDisplay::draw(const std::string& text) {
  std::string shown = text;
  if (columns_ > 1 && shown.size() >= static_cast<size_t>(columns_)) shown.resize(static_cast<size_t>(columns_ - 1));
  out_ << "\r" << shown << "\x1b[K" << std::flush;
  live_ = true;
}

void ProgressDisplay::endLiveLine() {
  if (!live_) return;
  out_ << "\r\x1b[K";
  live_ = false;
}

void ProgressDisplay::report(const std::string& line) {
  if (mode_ == ProgressMode::None) return;
  message(line);
}

void ProgressDisplay::message(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  endLiveLine();
  out_ << line << std::endl;
}

void ProgressDisplay::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  endLiveLine();
  out_ << std::flush;
}

std::string ProgressDisplay::compileLine() const {
  double seconds = std::chrono::duration<double>(Clock::now() - compileStart_).count();
  return fmt::format("compiling {} kernels {} {}/{}, {} from cache, {:.1f}s", kernels_,
                     progressBar(kernelsDone_, kernels_), kernelsDone_, kernels_, fromCache_, seconds);
}

void ProgressDisplay::planned(int kernels) {
  if (mode_ != ProgressMode::Bar || kernels == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  kernels_ = kernels;
  kernelsDone_ = fromCache_ = 0;
  compileStart_ = Clock::now();
  compiling_ = true;
  draw(compileLine());
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (compiling_) {
      tick_.wait_for(lock, kRedrawEvery);
      if (compiling_) draw(compileLine());
    }
  });
}

void ProgressDisplay::compiled(int kernels, bool fromCache) {
  if (mode_ != ProgressMode::Bar) return;
  std::lock_guard<std::mutex> lock(mutex_);
  kernelsDone_ += kernels;
  if (fromCache) fromCache_ += kernels;
  if (compiling_) draw(compileLine());
}

void ProgressDisplay::finished() {
  stopTicker();
  std::lock_guard<std::mutex> lock(mutex_);
  endLiveLine();
  out_ << std::flush;
}

void ProgressDisplay::stopTicker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    compiling_ = false;
  }
  tick_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressDisplay::startSteps(const std::string& head, int64_t total, int64_t done) {
  head_ = head;
  total_ = total;
  firstDone_ = done;
  stepsStart_ = Clock::now();
  lastDraw_ = Clock::time_point();
}

void ProgressDisplay::step(int64_t done, const std::vector<ShownValue>& values) {
  if (mode_ != ProgressMode::Bar) return;
  auto now = Clock::now();
  if (now - lastDraw_ < kRedrawEvery && done < total_) return;
  lastDraw_ = now;
  int digits = static_cast<int>(std::to_string(total_).size());
  std::string line = fmt::format("{} {:>{}}/{} {}", head_, done, digits, total_, progressBar(done, total_));
  if (done < total_ && done > firstDone_) {
    double perStep = std::chrono::duration<double>(now - stepsStart_).count() / static_cast<double>(done - firstDone_);
    line += " - ETA: " + etaText(perStep * static_cast<double>(total_ - done));
  }
  for (const ShownValue& v : values) line += fmt::format(" - {}: {:.4f}", v.name, v.value);
  std::lock_guard<std::mutex> lock(mutex_);
  draw(line);
}

}  // namespace graphc
