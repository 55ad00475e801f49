// \file Pictures of a run from its --log-dir (issue 15): curves.png, the loss and each metric
// against the epoch (or the step, with eval_every), training and validation, drawn with PLplot's
// cairo PNG driver. `graphc plot LOGDIR` draws them again from metrics.csv.
#pragma once

#include <string>

namespace graphc {

// Draws dir/curves.png from dir/metrics.csv (written atomically: a temporary file, then renamed).
// An InputError when metrics.csv is missing or not graphc's; a RunFailure when drawing fails.
void drawCurves(const std::string& dir);

}  // namespace graphc
