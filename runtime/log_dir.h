// \file --log-dir (issue 15): what a run leaves for plotting and TensorBoard, written as it goes
// so that a crash keeps everything so far.
//
//   metrics.csv   one row per report (epoch, or eval_every period): epoch, step, seconds, lr,
//                 loss, each metric, then val_loss and val_METRIC when the run validates
//   test.csv      one row per test evaluation (the end of `run`, each `eval`): step, loss, metrics
//   train/, validation/, test/   TensorBoard event files (runtime/tfevents.h) with the same
//                 numbers, tagged loss, METRIC (and lr under train/), at the training step
//
// A second run with the same folder appends to the CSV files (a resumed run continues them) and
// adds event files beside the first ones, which TensorBoard reads as one series.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/tfevents.h"
#include "runtime/trainer.h"

namespace graphc {

// The largest log file `graphc plot` and `graphc report` read back (a log folder may come from
// someone else: a FIFO or a huge file there must not hang or exhaust them).
constexpr uint64_t kMaxLogFileBytes = 64 << 20;

// A CSV file rows are appended to, one write and flush each.
class CsvLog {
 public:
  // Creates path with this header, or continues it when it has the same header; an InputError when
  // it has another (the log of another model) or cannot be written.
  CsvLog(const std::string& path, const std::vector<std::string>& columns);
  ~CsvLog();
  CsvLog(const CsvLog&) = delete;
  CsvLog& operator=(const CsvLog&) = delete;
  // The values in the header's order; an empty string leaves a cell empty. Throws RunFailure when
  // the write fails.
  void append(const std::vector<std::string>& cells);

 private:
  std::string path_;
  int fd_ = -1;
};

class RunLog {
 public:
  // Creates dir (and missing parents); an InputError when it cannot. validates: the run reports
  // validation values (val_ columns, validation/ events); training: the run trains (metrics.csv,
  // train/), else it only evaluates (`graphc eval`).
  RunLog(const std::string& dir, const std::vector<std::string>& metricNames, bool validates, bool training);

  // A report line's numbers, after `step` training steps at learning rate lr.
  void report(const EpochRecord& r, int64_t step, double lr);
  // The test set's loss and metrics, with the variables of training step `step`.
  void test(int64_t step, double loss, const std::vector<double>& metrics);

 private:
  std::vector<std::string> metricNames_;
  std::unique_ptr<CsvLog> metrics_, tests_;
  std::unique_ptr<EventFile> train_, validation_, test_;
  std::string dir_;
};

// Creates a folder and its missing parents (0755); "" on success, else why not.
std::string makeFolders(const std::string& path);

}  // namespace graphc
