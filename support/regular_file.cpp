// \file Opening input files: regular files of bounded size only.
#include "support/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace graphc {
namespace {

const char* kindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace

int openRegularFile(const std::string& path, uint64_t maxBytes, std::string* why) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat could refuse it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    *why = std::strerror(errno);
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *why = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    *why = std::string("not a regular file (") + kindOf(st.st_mode) + ")";
  } else if (static_cast<uint64_t>(st.st_size) > maxBytes) {
    *why = "larger than " + std::to_string(maxBytes) + " bytes (" + std::to_string(st.st_size) + ")";
  } else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    *why = std::strerror(errno);
  } else {
    return fd;
  }
  ::close(fd);
  return -1;
}

bool readRegularFile(const std::string& path, uint64_t maxBytes, std::string* bytes, std::string* why) {
  int fd = openRegularFile(path, maxBytes, why);
  if (fd < 0) return false;
  bytes->clear();
  char buffer[1 << 16];
  ssize_t count;
  while ((count = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      *why = std::strerror(errno);
      ::close(fd);
      return false;
    }
    bytes->append(buffer, static_cast<size_t>(count));
    if (bytes->size() > maxBytes) break;  // the file may grow after fstat: the limit holds for what is read
  }
  ::close(fd);
  if (bytes->size() <= maxBytes) return true;
  *why = "larger than " + std::to_string(maxBytes) + " bytes";
  return false;
}

}  // namespace graphc
