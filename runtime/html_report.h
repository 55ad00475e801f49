// \file `graphc report LOGDIR`: one self-contained LOGDIR/report.html (no network: the pictures are
// embedded as data: URIs) with what the folder holds: the model's summary and hyper-parameters
// (summary.txt, hparams.csv), the metrics of each report and of the test set (metrics.csv,
// test.csv), and the pictures (curves.png, predictions.png, confusion.png), drawn again first.
#pragma once

#include <string>

namespace graphc {

// Writes dir/report.html atomically and returns its path. An InputError when dir holds no
// metrics.csv (not a --log-dir of `graphc run`); a RunFailure when it cannot be written.
std::string writeHtmlReport(const std::string& dir);

}  // namespace graphc
