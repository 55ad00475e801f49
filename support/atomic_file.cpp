// \file Atomic file writes through mkstemp, fsync and rename.
#include "support/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace graphc {
namespace {

std::string folderOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string baseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Writes all of bytes to fd: 0, else errno.
int writeAll(int fd, const std::string& bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return ENOSPC;
    written += static_cast<size_t>(n);
  }
  return 0;
}

// The mode a file created with open(..., 0666) would get: mkstemp makes 0600, and a checkpoint or
// a library written by graphc should be as readable as any other file the user creates.
mode_t createdFileMode() {
  static const mode_t mode = [] {
    mode_t mask = umask(077);  // umask can only be read by setting it; set back at once
    umask(mask);
    return 0666 & ~mask;
  }();
  return mode;
}

// The temporary being written, for removeTemporaryInProgress: one slot, claimed by the writer
// that finds it free (another thread writing at the same time is not tracked; its temporary is
// removed as stale by the next writer of that path, since its process is gone by then).
char inProgressPath[4096];
std::atomic<int> inProgressState{0};  // 0: free; 1: being filled in; 2: holds a path
static_assert(std::atomic<int>::is_always_lock_free, "read from a signal handler");

bool claimInProgress(const std::string& temp) {
  int expected = 0;
  if (temp.size() >= sizeof inProgressPath || !inProgressState.compare_exchange_strong(expected, 1)) return false;
  std::memcpy(inProgressPath, temp.c_str(), temp.size() + 1);
  inProgressState.store(2);
  return true;
}

void releaseInProgress(bool claimed) {
  if (claimed) inProgressState.store(0);
}

}  // namespace

void removeTemporaryInProgress() {
  if (inProgressState.load() == 2) ::unlink(inProgressPath);
}

void removeStaleTemporaries(const std::string& path) {
  std::string folder = folderOf(path);
  std::string prefix = baseName(path) + ".tmp-";
  DIR* dir = opendir(folder.c_str());
  if (!dir) return;
  std::vector<std::string> stale;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (pid <= 0 || *end != '-') continue;
    // Only a process that is gone: kill(pid, 0) fails with ESRCH. A live one (or a reused pid) is
    // left alone; the cost of a wrong guess is a leftover file, never a write cut short.
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    struct stat st;
    std::string full = folder + "/" + name;
    if (lstat(full.c_str(), &st) == 0 && st.st_uid == geteuid()) stale.push_back(full);
  }
  closedir(dir);
  for (const std::string& file : stale) ::unlink(file.c_str());  // a link is removed, not followed
}

std::string whyNotWritable(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return "it is a directory";
  std::string folder = folderOf(path);
  if (::access(folder.c_str(), W_OK) != 0)
    return "directory '" + folder + "' is missing or not writable: " + std::strerror(errno);
  return "";
}

std::string writeFileAtomically(const std::string& path, const std::string& bytes) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return std::strerror(errno);
    int error = writeAll(fd, bytes);
    if (close(fd) != 0 && !error) error = errno;
    return error ? std::strerror(error) : "";
  }
  removeStaleTemporaries(path);
  // The pid in the name lets a later writer tell a dead process's temporary from a live one's.
  std::string temp = path + ".tmp-" + std::to_string(getpid()) + "-XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) return std::strerror(errno);
  bool claimed = claimInProgress(temp);
  int error = fchmod(fd, createdFileMode()) != 0 ? errno : writeAll(fd, bytes);
  if (!error && fsync(fd) != 0) error = errno;
  if (close(fd) != 0 && !error) error = errno;
  if (!error && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  releaseInProgress(claimed);
  if (error) {
    ::unlink(temp.c_str());
    return std::strerror(error);
  }
  // The rename is durable only once the folder's entry is on disk too.
  int folderFd = ::open(folderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folderFd >= 0) fsync(folderFd), close(folderFd);
  return "";
}

}  // namespace graphc
