// \file The log folder's CSV files and event files.
#include "runtime/log_dir.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/diagnostics.h"

namespace graphc {
namespace {

std::string joined(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + cells[i];
  return line + "\n";
}

// The shortest text that reads back as the same double.
std::string number(double v) { return fmt::format("{}", v); }

std::string firstLine(int fd) {
  std::string line;
  char c;
  while (line.size() < 4096 && read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line + "\n";
}

}  // namespace

std::string makeFolders(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return std::strerror(errno);
    if (slash == std::string::npos) break;
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "it is not a folder";
  return "";
}

CsvLog::CsvLog(const std::string& path, const std::vector<std::string>& columns) : path_(path) {
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  struct stat st {};
  fstat(fd_, &st);
  std::string header = joined(columns);
  if (st.st_size == 0) {
    append(columns);
    return;
  }
  std::string found = firstLine(fd_);
  if (found != header) {
    close(fd_);
    fd_ = -1;
    throw InputError(fmt::format("{} has the columns '{}', not this run's '{}'; choose another --log-dir", path,
                                 found.substr(0, found.size() - 1), header.substr(0, header.size() - 1)));
  }
}

CsvLog::~CsvLog() {
  if (fd_ >= 0) close(fd_);
}

void CsvLog::append(const std::vector<std::string>& cells) {
  std::string line = joined(cells);
  // One write per row (O_APPEND): a reader or a crash sees whole rows only, short of a full disk.
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw RunFailure(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
}

RunLog::RunLog(const std::string& dir, const std::vector<std::string>& metricNames, bool validates, bool training)
    : metricNames_(metricNames), dir_(dir) {
  auto folder = [&](const std::string& path) {
    std::string why = makeFolders(path);
    if (!why.empty()) throw InputError(fmt::format("--log-dir: cannot create the folder {}: {}", path, why));
    return path;
  };
  folder(dir);
  std::vector<std::string> values = {"loss"};
  values.insert(values.end(), metricNames.begin(), metricNames.end());
  if (training) {
    std::vector<std::string> columns = {"epoch", "step", "seconds", "lr"};
    columns.insert(columns.end(), values.begin(), values.end());
    if (validates)
      for (const std::string& v : values) columns.push_back("val_" + v);
    metrics_ = std::make_unique<CsvLog>(dir + "/metrics.csv", columns);
    train_ = std::make_unique<EventFile>(folder(dir + "/train"));
    if (validates) validation_ = std::make_unique<EventFile>(folder(dir + "/validation"));
  }
  std::vector<std::string> testColumns = {"step"};
  testColumns.insert(testColumns.end(), values.begin(), values.end());
  tests_ = std::make_unique<CsvLog>(dir + "/test.csv", testColumns);
  test_ = std::make_unique<EventFile>(folder(dir + "/test"));
}

void RunLog::report(const EpochRecord& r, int64_t step, double lr) {
  std::vector<std::string> cells = {std::to_string(r.epoch), std::to_string(step), number(r.seconds), number(lr),
                                    number(r.loss)};
  std::vector<Scalar> train = {{"loss", r.loss}}, validation = {{"loss", r.valLoss}};
  for (size_t m = 0; m < metricNames_.size(); ++m) {
    cells.push_back(number(r.metrics[m]));
    train.push_back({metricNames_[m], r.metrics[m]});
  }
  train.push_back({"lr", lr});
  if (validation_) {
    cells.push_back(number(r.valLoss));
    for (size_t m = 0; m < metricNames_.size(); ++m) {
      cells.push_back(number(r.valMetrics[m]));
      validation.push_back({metricNames_[m], r.valMetrics[m]});
    }
    validation_->write(step, validation);
  }
  metrics_->append(cells);
  train_->write(step, train);
}

void RunLog::test(int64_t step, double loss, const std::vector<double>& metrics) {
  std::vector<std::string> cells = {std::to_string(step), number(loss)};
  std::vector<Scalar> scalars = {{"loss", loss}};
  for (size_t m = 0; m < metricNames_.size(); ++m) {
    cells.push_back(number(metrics[m]));
    scalars.push_back({metricNames_[m], metrics[m]});
  }
  tests_->append(cells);
  test_->write(step, scalars);
}

}  // namespace graphc
