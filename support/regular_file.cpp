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

}  // namespace graphc
