// \file `--no-cache`, shared by the verbs that run kernels: where the kernel cache lives, if anywhere.
#include "kernels/kernel_cache.h"
#include "tools/verbs.h"

namespace graphc {

std::string kernelCacheDir(const Flags& flags) { return flags.has("no-cache") ? "" : defaultCacheDirectory(); }

}  // namespace graphc
