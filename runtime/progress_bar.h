// \file Progress as Keras shows it (issue 15). On a terminal: one line that updates in place,
// during compilation (`compiling 39 kernels [=======>      ] 17/39, 12 from cache, 2.1s`) and
// during an epoch (`Epoch 1/2 1200/1875 [================>.........] - ETA: 1s - loss: 0.1234`),
// redrawn at most ten times a second and replaced by the epoch's report line at its end.
// Elsewhere (a pipe, a log file) only complete lines, without control characters.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/session.h"

namespace graphc {

// --progress: bar (lines updated in place), lines (complete lines only: the epoch reports),
// none (not even those; Keras' verbose = 1, 2 and 0).
enum class ProgressMode { Bar, Lines, None };

// The mode --progress names: "auto" is bar when standard output is a terminal (and TERM is not
// "dumb"), else lines. nullopt for a word that names none.
std::optional<ProgressMode> progressModeNamed(const std::string& word);

// Keras' bar of `width` characters between brackets: `[=====>......]`, all `=` when done.
std::string progressBar(int64_t done, int64_t total, int width = 30);
// Keras' ETA: "7s", "1:05" (minutes), "1:01:05" (hours).
std::string etaText(double seconds);

// One named value shown after the bar: " - loss: 0.1234".
struct ShownValue {
  std::string name;
  double value = 0;
};

class ProgressDisplay : public CompileObserver {
 public:
  // out is standard output's stream in Bar mode (its width is the terminal's).
  ProgressDisplay(std::ostream& out, ProgressMode mode);
  // Ends a line left in progress (an error or Ctrl-C stopped the run): the terminal is left at
  // the start of a fresh line.
  ~ProgressDisplay() override;
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  ProgressMode mode() const { return mode_; }

  // Compilation (Session::compileAhead): redrawn by a thread while a program compiles, so the
  // seconds keep counting.
  void planned(int kernels) override;
  void compiled(int kernels, bool fromCache) override;
  void finished() override;

  // An epoch's steps: head ("Epoch 1/2"), the steps it has in all, those done before (a resumed
  // run starts mid-epoch).
  void startSteps(const std::string& head, int64_t total, int64_t done);
  // After each step: the steps done and the running means; drawn if 0.1 s passed since the last.
  void step(int64_t done, const std::vector<ShownValue>& values);

  // A report line (epoch, eval_every step): replaces the live line; not shown in None mode.
  void report(const std::string& line);
  // Any other line (checkpoint saved, early stopping): replaces the live line, shown in all modes.
  void message(const std::string& line);
  // Erases the live line, if any.
  void clear();

 private:
  void draw(const std::string& text);  // the live line, cut to the terminal's width
  void endLiveLine();
  std::string compileLine() const;
  void stopTicker();

  std::ostream& out_;
  ProgressMode mode_;
  int columns_ = 0;  // the terminal's width; 0: unknown
  std::mutex mutex_;
  bool live_ = false;  // a line in progress is on the screen
  size_t liveWidth_ = 0;

  // Compilation.
  using Clock = std::chrono::steady_clock;
  int kernels_ = 0, kernelsDone_ = 0, fromCache_ = 0;
  Clock::time_point compileStart_;
  std::thread ticker_;
  std::condition_variable tick_;
  bool compiling_ = false;

  // Steps.
  std::string head_;
  int64_t total_ = 0, firstDone_ = 0;
  Clock::time_point stepsStart_, lastDraw_;
};

}  // namespace graphc
