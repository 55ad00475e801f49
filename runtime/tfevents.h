// \file TensorBoard event files (`events.out.tfevents.TIME.HOST.PID.graphc`): TFRecord records
// (uint64 length, masked CRC-32C of the length, the bytes, masked CRC-32C of the bytes), each an
// `Event` protocol buffer (tensorflow/core/util/event.proto): first one with file_version
// "brain.Event:2", then one per report with scalar summaries (summary.proto's Value.simple_value).
// The few fields are encoded here by hand; tests/e2e/log_dir.py reads them with Debian's protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

struct Scalar {
  std::string tag;
  double value = 0;  // stored as a float, as simple_value is
};

// The bytes of an Event; fileVersion "" for a summary event.
std::string encodeEvent(double wallTime, int64_t step, const std::string& fileVersion,
                        const std::vector<Scalar>& scalars);
// One TFRecord record around data.
std::string tfRecord(const std::string& data);

class EventFile {
 public:
  // Creates a new event file in folder (which must exist) and writes the file_version event.
  // Throws RunFailure naming the file when it cannot be written.
  explicit EventFile(const std::string& folder);
  ~EventFile();
  EventFile(const EventFile&) = delete;
  EventFile& operator=(const EventFile&) = delete;

  // Appends one event holding the scalars at this step (written through at once, so TensorBoard
  // shows it during the run and a crash keeps it).
  void write(int64_t step, const std::vector<Scalar>& scalars);
  const std::string& path() const { return path_; }

 private:
  void append(const std::string& record);
  std::string path_;
  int fd_ = -1;
};

// The seconds since the epoch, as Event.wall_time holds them.
double wallTimeNow();

}  // namespace graphc
