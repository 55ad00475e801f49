// \file Pictures of a run from its --log-dir (issue 15): curves.png, the loss and each metric
// against the epoch (or the step, with eval_every), training and validation, drawn with PLplot's
// cairo PNG driver; predictions.png and confusion.png (runtime/prediction_plots.cpp). `graphc plot
// LOGDIR` draws them again from metrics.csv, predictions.csv and samples.idx.
#pragma once

#include <string>
#include <vector>

namespace graphc {

// Draws dir/curves.png from dir/metrics.csv (written atomically: a temporary file, then renamed).
// An InputError when metrics.csv is missing or not graphc's; a RunFailure when drawing fails.
void drawCurves(const std::string& dir);

// Draws curves.png and, when the run left its test predictions (runtime/test_predictions.h),
// predictions.png and confusion.png; returns the paths written.
std::vector<std::string> drawPlots(const std::string& dir);

}  // namespace graphc
