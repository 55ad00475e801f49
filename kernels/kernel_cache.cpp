// \file Kernel cache entries: `DIR/kernels/KEY.so`, a shared object followed by a trailer
// "graphc-kernel-v1 " + SHA-256(shared object bytes + KEY) + "\n". The trailer binds the bytes to
// the key, so a truncated, corrupted or misplaced file fails the check. ELF loaders and linkers
// ignore bytes after the sections, so the verified file is dlopen'ed as it is. The trailer is no
// defence against a person (anyone can compute it): that is the folder's ownership and mode, and
// each entry's (whyUntrusted, openTrustedFile; docs/security.md).
//
// The programs are compiled without the Halide runtime (Target::NoRuntime) and link against one
// runtime entry per target, `halide-runtime-KEY.so` (named in DT_NEEDED, loaded first by
// ensureRuntime): the runtime is compiled once per cache rather than once per program, and every loaded
// program shares one runtime instance (one thread pool, one set of hooks).
#include "kernels/kernel_cache.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "support/atomic_file.h"
#include "support/sha256.h"

namespace graphc {
namespace {

const std::string kMagic = "graphc-kernel-v1 ";
const size_t kTrailerSize = kMagic.size() + 64 + 1;
const char* kFunction = "graphc_program";

std::string readFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The whole file open on fd, from its first byte.
bool readDescriptor(int fd, std::string* bytes) {
  bytes->clear();
  char buffer[1 << 16];
  for (off_t offset = 0;;) {
    ssize_t n = pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    bytes->append(buffer, static_cast<size_t>(n));
    offset += n;
  }
}

std::string trailer(const std::string& bytes, const std::string& key) { return kMagic + sha256Hex(bytes + key) + "\n"; }

// Opens the entry at path and checks it: a regular file of this user's that no one else can write
// (openTrustedFile), ending with the trailer of its bytes and key. Returns the open descriptor, to
// be loaded as it is, or -1 with what is wrong in *problem.
int openVerifiedEntry(const std::string& path, const std::string& key, std::string* problem) {
  int fd = openTrustedFile(path, problem);
  if (fd < 0) return -1;
  std::string bytes;
  if (!readDescriptor(fd, &bytes))
    *problem = std::string("unreadable: ") + std::strerror(errno);
  else if (bytes.size() < kTrailerSize)
    *problem = "truncated";
  else if (bytes.compare(bytes.size() - kTrailerSize, kTrailerSize,
                         trailer(bytes.substr(0, bytes.size() - kTrailerSize), key)) != 0)
    *problem = "checksum mismatch";
  else
    return fd;
  ::close(fd);
  return -1;
}

std::string octalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

bool entryExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;  // a symbolic link counts, dangling or not: it is removed
}

std::string parentFolder(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// Why the cache folder dir (an existing folder) cannot be trusted, "" when it can. Whoever can
// write the cache can run code as this user, so the folder must be this user's and writable by no
// one else; so must be every folder above it up to the user's home (or /), or someone could
// rename the cache away and put their own in its place. Above the cache, root's folders are
// trusted too, and so is a world-writable folder with the sticky bit (/tmp): in it no one but
// the owner of an entry and root may rename or remove it. docs/security.md says why.
// strictLevels: how many folders, from dir up, belong to the cache (dir/kernels and dir: 2).
std::string whyUntrusted(const std::string& dir, int strictLevels) {
  char* resolved = realpath(dir.c_str(), nullptr);
  if (!resolved) return "cannot resolve " + dir + ": " + std::strerror(errno);
  std::string folder = resolved;
  std::free(resolved);
  std::string home;
  if (const char* h = std::getenv("HOME"); h && *h) {
    if (char* r = realpath(h, nullptr)) home = r, std::free(r);
  }
  uid_t me = geteuid();
  for (;; folder = parentFolder(folder), --strictLevels) {
    bool isCache = strictLevels > 0;
    struct stat st;
    if (stat(folder.c_str(), &st) != 0) return "cannot inspect " + folder + ": " + std::strerror(errno);
    bool ownerTrusted = st.st_uid == me || (!isCache && st.st_uid == 0);
    if (!ownerTrusted)
      return folder + " is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
             std::to_string(me) + ")";
    bool othersWrite = st.st_mode & (S_IWGRP | S_IWOTH);
    if (othersWrite && (isCache || !(st.st_mode & S_ISVTX)))
      return folder + " is writable by its group or by others (mode " + octalMode(st.st_mode) + ")";
    if (folder == "/" || folder == home) return "";
  }
}

// Runs argv, its output (both streams) into log; the exit status, -1 when it could not start.
int runCommand(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // A process group of its own: Ctrl-C stops graphc after the step (runtime/interrupt.h), and
    // must not kill the linker halfway through the entry that step needs.
    setpgid(0, 0);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The compiler CMake built graphc with, else whatever `c++` is on the PATH.
std::string linker() {
  std::string configured = GRAPHC_CXX_COMPILER;
  if (!configured.empty() && access(configured.c_str(), X_OK) == 0) return configured;
  return "c++";
}

void makeDirectories(const std::string& dir) {
  std::string partial;
  std::stringstream ss(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/') partial = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += part + "/";
    // 0700: whoever can write the cache can run code as this user (docs/security.md).
    if (mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
      throw CacheUnavailable("cannot create the kernel cache directory " + partial + ": " + std::strerror(errno));
  }
}

// Removes a temporary build folder and what is in it (it holds plain files only).
void removeFolder(const std::string& dir) {
  for (const char* name : {"program.o", "program.so", "link.log"}) std::remove((dir + "/" + name).c_str());
  rmdir(dir.c_str());
}

// Build folders and temporary files of processes that died mid-build (killed, out of disk): left
// for an hour in case their builder is only slow, then removed by the next build.
void removeStaleBuilds(const std::string& folder) {
  DIR* dir = opendir(folder.c_str());
  if (!dir) return;
  std::vector<std::string> stale;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.rfind("build-", 0) != 0 && name.find(".tmp-") == std::string::npos) continue;
    struct stat st;
    if (stat((folder + "/" + name).c_str(), &st) == 0 && std::time(nullptr) - st.st_mtime > 3600) stale.push_back(name);
  }
  closedir(dir);
  for (const std::string& name : stale) {
    if (name.rfind("build-", 0) == 0)
      removeFolder(folder + "/" + name);
    else
      std::remove((folder + "/" + name).c_str());
  }
}

// Makes an object with compileObject(objectPath) in a private build folder, links it into a shared
// object with the extra linker arguments and stores it as the entry at path.
void buildEntry(const std::string& folder, const std::string& path, const std::string& key,
                const std::function<void(const std::string&)>& compileObject,
                const std::vector<std::string>& linkArgs) {
  std::string work = folder + "/build-XXXXXX";
  if (!mkdtemp(work.data()))
    throw CacheUnavailable("cannot create a build folder in the kernel cache " + folder + ": " + std::strerror(errno));
  try {
    compileObject(work + "/program.o");
    // -Bsymbolic: the runtime calls its own halide_* functions, never ones of another library.
    std::vector<std::string> command = {linker(),        "-shared", "-o", work + "/program.so", work + "/program.o",
                                        "-Wl,-Bsymbolic"};
    command.insert(command.end(), linkArgs.begin(), linkArgs.end());
    command.insert(command.end(), {"-lpthread", "-ldl"});
    int status = runCommand(command, work + "/link.log");
    if (status != 0) {
      bool ok = false;
      std::string log = readFile(work + "/link.log", &ok);
      throw CacheUnavailable("linking the kernels into a shared object failed (" + linker() + ", status " +
                             std::to_string(status) + "): " + log);
    }
    bool ok = false;
    std::string bytes = readFile(work + "/program.so", &ok);
    if (!ok || bytes.empty()) throw CacheUnavailable("the linker wrote no shared object");
    std::string error = writeFileAtomically(path, bytes + trailer(bytes, key));
    if (!error.empty()) throw CacheUnavailable("cannot write the kernel cache entry " + path + ": " + error);
  } catch (...) {
    removeFolder(work);
    throw;
  }
  removeFolder(work);
}

// Opens, checks and loads the runtime entry at path: nullptr with the reason in *problem when it
// is not a usable one.
void* loadRuntimeEntry(const std::string& path, const std::string& key, std::string* problem) {
  int fd = openVerifiedEntry(path, key, problem);
  if (fd < 0) return nullptr;
  void* handle = loadSharedObject(fd, problem);
  if (!handle) ::close(fd);  // else it stays open while the library is loaded (loadSharedObject)
  return handle;
}

// The runtime entry of this target, loaded (built first when missing or corrupt) once per
// process: its file name, which is also its soname. The programs name it in DT_NEEDED, and the
// loader finds it already loaded by that soname: programs are loaded through /proc/self/fd/N
// (loaded_kernel.cpp), where their $ORIGIN rpath leads nowhere.
std::string ensureRuntime(const std::string& folder, const Halide::Target& target) {
  static std::mutex mutex;
  static std::set<std::string> loaded;
  Halide::Target runtimeTarget = target.without_feature(Halide::Target::NoRuntime);
  std::string key =
      sha256Hex("graphc halide runtime v1\n" + halideIdentity() + "\ntarget " + runtimeTarget.to_string());
  std::string name = "halide-runtime-" + key + ".so";
  std::string path = folder + "/" + name;
  std::lock_guard<std::mutex> lock(mutex);
  // Loaded from another cache folder earlier in this process (tests use several): programs link
  // against the file in their own folder, so it must exist here too, but the process keeps
  // running the copy it has (one runtime instance).
  bool already = loaded.count(name) > 0;
  if (already && entryExists(path)) return name;
  if (!already && entryExists(path)) {
    std::string problem;
    if (loadRuntimeEntry(path, key, &problem)) return loaded.insert(name), name;
    std::cerr << "graphc: kernel cache entry " << path << " is unusable (" << problem << "); rebuilding it\n";
    std::remove(path.c_str());
  }
  buildEntry(folder, path, key,
             [&](const std::string& object) { Halide::compile_standalone_runtime(object, runtimeTarget); },
             {"-Wl,-soname," + name});
  if (already) return name;
  std::string problem;
  if (!loadRuntimeEntry(path, key, &problem))
    throw CacheUnavailable("the Halide runtime entry just built does not load: " + problem);
  loaded.insert(name);
  return name;
}

// Creates the cache's folders (0700) and checks that no one else can write them: the reason
// the cache is unavailable otherwise.
void prepareCacheFolder(const std::string& dir, const std::string& folder) {
  struct stat st;
  // Checked before anything is created in it too: an entry written into another user's folder
  // would be theirs to replace.
  if (stat(dir.c_str(), &st) == 0) {
    std::string why = whyUntrusted(dir, 1);
    if (!why.empty()) throw CacheUnavailable(why + "; compiling afresh (docs/security.md)");
  }
  makeDirectories(folder);
  std::string why = whyUntrusted(folder, 2);
  if (!why.empty()) throw CacheUnavailable(why + "; compiling afresh (docs/security.md)");
}

}  // namespace

std::string defaultCacheDirectory() {
  if (const char* dir = std::getenv("GRAPHC_CACHE"); dir && *dir) return dir;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/graphc";
  return "";
}

std::string halideIdentity() {
  std::string id = std::string("halide ") + GRAPHC_HALIDE_VERSION;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&Halide::get_host_target), &info) && info.dli_fname) {
    struct stat st;
    if (stat(info.dli_fname, &st) == 0)
      id += " " + std::string(info.dli_fname) + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtime);
  }
  return id;
}

std::string cacheEntryPath(const std::string& dir, const std::string& description) {
  return dir + "/kernels/" + sha256Hex(description) + ".so";
}

CacheLookup loadOrCompileCached(const std::string& dir, const std::string& description, Halide::Pipeline& pipeline,
                                const std::vector<Halide::Argument>& arguments, const Halide::Target& target) {
  std::string folder = dir + "/kernels";
  std::string key = sha256Hex(description);
  std::string path = folder + "/" + key + ".so";
  prepareCacheFolder(dir, folder);
  CacheLookup result;
  if (entryExists(path)) {
    std::string problem;
    int fd = openVerifiedEntry(path, key, &problem);
    if (fd >= 0) {
      ensureRuntime(folder, target);  // the entry's DT_NEEDED: loaded first
      result.kernel = LoadedKernel::open(fd, path, kFunction, &problem);
      if (result.kernel) {
        result.hit = true;
        return result;
      }
    }
    std::cerr << "graphc: kernel cache entry " << path << " is unusable (" << problem << "); rebuilding it\n";
    std::remove(path.c_str());
    result.rebuilt = true;
  }
  removeStaleBuilds(folder);
  std::string runtime = ensureRuntime(folder, target);
  buildEntry(folder, path, key,
             [&](const std::string& object) {
               pipeline.compile_to_object(object, arguments, kFunction, target.with_feature(Halide::Target::NoRuntime));
             },
             {"-L" + folder, "-l:" + runtime, "-Wl,-rpath,$ORIGIN"});
  std::string why;
  int fd = openVerifiedEntry(path, key, &why);
  if (fd >= 0) result.kernel = LoadedKernel::open(fd, path, kFunction, &why);
  if (!result.kernel) throw CacheUnavailable("the kernel cache entry just built does not load: " + why);
  return result;
}

}  // namespace graphc
