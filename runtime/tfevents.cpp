// \file Event files: protocol buffer wire format (varints, little-endian fixed64/fixed32, length-
// delimited fields) for the four messages used, then TFRecord framing.
#include "runtime/tfevents.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "support/crc32c.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
void key(std::string& out, int field, int wireType) { varint(out, static_cast<uint64_t>(field << 3 | wireType)); }

template <typename T>
void littleEndian(std::string& out, T v) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));  // x86-64 and AArch64 are little-endian
  out.append(bytes, sizeof(T));
}

void bytesField(std::string& out, int field, const std::string& bytes) {
  key(out, field, 2);
  varint(out, bytes.size());
  out += bytes;
}

// summary.proto: Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
std::string encodeSummary(const std::vector<Scalar>& scalars) {
  std::string summary;
  for (const Scalar& s : scalars) {
    std::string value;
    bytesField(value, 1, s.tag);
    key(value, 2, 5);
    littleEndian(value, static_cast<float>(s.value));
    bytesField(summary, 1, value);
  }
  return summary;
}

}  // namespace

// event.proto: Event { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3;
// ... Summary summary = 5; ... } }
std::string encodeEvent(double wallTime, int64_t step, const std::string& fileVersion,
                        const std::vector<Scalar>& scalars) {
  std::string event;
  key(event, 1, 1);
  littleEndian(event, wallTime);
  if (step != 0) {
    key(event, 2, 0);
    varint(event, static_cast<uint64_t>(step));
  }
  if (!fileVersion.empty())
    bytesField(event, 3, fileVersion);
  else
    bytesField(event, 5, encodeSummary(scalars));
  return event;
}

std::string tfRecord(const std::string& data) {
  std::string length;
  littleEndian(length, static_cast<uint64_t>(data.size()));
  std::string record = length;
  littleEndian(record, maskedCrc32c(length));
  record += data;
  littleEndian(record, maskedCrc32c(data));
  return record;
}

double wallTimeNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

EventFile::EventFile(const std::string& folder) {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  auto seconds = static_cast<int64_t>(wallTimeNow());
  // TensorBoard's name; the suffix keeps two runs started in the same second apart.
  path_ = fmt::format("{}/events.out.tfevents.{}.{}.{}.graphc", folder, seconds, host, getpid());
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) throw RunFailure(fmt::format("cannot create {}: {}", path_, std::strerror(errno)));
  append(tfRecord(encodeEvent(wallTimeNow(), 0, "brain.Event:2", {})));
}

EventFile::~EventFile() {
  if (fd_ >= 0) close(fd_);
}

void EventFile::write(int64_t step, const std::vector<Scalar>& scalars) {
  append(tfRecord(encodeEvent(wallTimeNow(), step, "", scalars)));
}

void EventFile::append(const std::string& record) {
  size_t done = 0;
  while (done < record.size()) {
    ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw RunFailure(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
}

}  // namespace graphc
