// \file Atomic file writes: a reader sees the old file or the whole new one, never a part.
#pragma once

#include <string>

namespace graphc {

// Writes bytes to path through a private temporary file beside it, `PATH.tmp-PID-XXXXXX` (mkstemp:
// created O_EXCL with a random name, so no one can place or predict it, and a link planted at
// any name is never followed), fsync, rename over path and fsync of the folder, so a full disk or
// a crash leaves the previous file intact and a link at path is replaced, not written through.
// A character device or FIFO at path (/dev/null, a pipe) is written in place: there is no file to
// replace. Temporaries of processes that no longer run are removed first. Returns "" on success,
// else why it failed (errno's text); the temporary file is removed on failure.
std::string writeFileAtomically(const std::string& path, const std::string& bytes);

// Why writeFileAtomically(path, ...) cannot succeed, found before any work is done: path is a
// folder, its folder is missing or not writable. "" when it can be tried.
std::string whyNotWritable(const std::string& path);

// Removes PATH.tmp-PID-* files this user owns whose process PID no longer runs (killed mid-write).
void removeStaleTemporaries(const std::string& path);

// Removes the temporary file a writeFileAtomically call is writing at this moment, if any, so a
// process about to _exit from a signal handler leaves nothing half-written behind.
// Async-signal-safe (unlink and lock-free atomics only).
void removeTemporaryInProgress();

}  // namespace graphc
