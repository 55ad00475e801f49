// \file The progress bar's text against Keras' Progbar (keras/utils/generic_utils.py), worked by
// hand: bar width = int(30 * done / total), `=` up to it, `>` at its head until done, `.` after;
// ETA as "%ds", "%d:%02d" over a minute, "%d:%02d:%02d" over an hour.
#include <gtest/gtest.h>

#include <sstream>

#include "runtime/progress_bar.h"

namespace graphc {
namespace {

TEST(ProgressBar, DrawsKerasBars) {
  EXPECT_EQ(progressBar(0, 1875), "[..............................]");
  EXPECT_EQ(progressBar(62, 1875), "[..............................]");  // 30 * 62 / 1875 = 0.99
  EXPECT_EQ(progressBar(63, 1875), "[>.............................]");
  EXPECT_EQ(progressBar(1200, 1875), "[==================>...........]");  // 19.2: 19 wide
  EXPECT_EQ(progressBar(1874, 1875), "[============================>.]");
  EXPECT_EQ(progressBar(1875, 1875), "[==============================]");
  EXPECT_EQ(progressBar(17, 39, 10), "[===>......]");
}

TEST(ProgressBar, WritesKerasEtas) {
  EXPECT_EQ(etaText(0.4), "0s");
  EXPECT_EQ(etaText(59.9), "59s");
  EXPECT_EQ(etaText(60.0), "60s");
  EXPECT_EQ(etaText(65.2), "1:05");
  EXPECT_EQ(etaText(3600.5), "1:00:00");
  EXPECT_EQ(etaText(3725), "1:02:05");
}

TEST(ProgressBar, NamesModes) {
  EXPECT_EQ(progressModeNamed("bar"), ProgressMode::Bar);
  EXPECT_EQ(progressModeNamed("lines"), ProgressMode::Lines);
  EXPECT_EQ(progressModeNamed("none"), ProgressMode::None);
  EXPECT_FALSE(progressModeNamed("fancy"));
}

// Lines mode writes nothing but the complete lines, however the steps go.
TEST(ProgressBar, LinesModeWritesOnlyCompleteLines) {
  std::ostringstream out;
  {
    ProgressDisplay display(out, ProgressMode::Lines);
    display.planned(10);
    display.compiled(10, false);
    display.finished();
    display.startSteps("Epoch 1/1", 3, 0);
    for (int64_t i = 1; i <= 3; ++i) display.step(i, {{"loss", 0.5}});
    display.report("Epoch 1/1 - 0.1s - loss: 0.5000");
  }
  EXPECT_EQ(out.str(), "Epoch 1/1 - 0.1s - loss: 0.5000\n");
}

// Bar mode: the last step is always drawn, then the report replaces it (carriage return, erase).
TEST(ProgressBar, BarModeReplacesTheBarWithTheReport) {
  std::ostringstream out;
  {
    ProgressDisplay display(out, ProgressMode::Bar);
    display.startSteps("Epoch 1/1", 2, 0);
    display.step(2, {{"loss", 0.25}});
    display.report("Epoch 1/1 - done");
  }
  EXPECT_EQ(out.str(),
            "\rEpoch 1/1 2/2 [==============================] - loss: 0.2500\x1b[K"
            "\r\x1b[KEpoch 1/1 - done\n");
}

TEST(ProgressBar, NoneModeDropsReportsButKeepsMessages) {
  std::ostringstream out;
  {
    ProgressDisplay display(out, ProgressMode::None);
    display.report("Epoch 1/1 - done");
    display.message("Saved x (step 3)");
  }
  EXPECT_EQ(out.str(), "Saved x (step 3)\n");
}

// A run stopped mid-epoch (an error, Ctrl-C) leaves the terminal on a fresh line.
TEST(ProgressBar, EndsALineLeftInProgress) {
  std::ostringstream out;
  {
    ProgressDisplay display(out, ProgressMode::Bar);
    display.startSteps("Epoch 1/1", 4, 0);
    display.step(1, {});
  }
  std::string text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace graphc
