// \file Atomic file writes: a reader sees the old file or the whole new one, never a part.
#pragma once

#include <string>

namespace graphc {

// Writes bytes to path through a private temporary file beside it (mkstemp, so no other user can
// place or predict it), fsync, rename over path and fsync of the folder, so a full disk or a crash
// leaves the previous file intact. Returns "" on success, else why it failed (errno's text); the
// temporary file is removed on failure.
std::string writeFileAtomically(const std::string& path, const std::string& bytes);

}  // namespace graphc
