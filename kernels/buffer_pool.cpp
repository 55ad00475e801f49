// \file The pooled allocator: size-keyed free lists behind a mutex (Halide may allocate from
// worker threads). Blocks are never returned to the system; the sizes a program uses are fixed,
// so the pool holds at most each program's peak working set.
#include "kernels/buffer_pool.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace graphc {
namespace {

// Halide wants 32-byte alignment and may read up to 8 bytes beyond either end of a block.
constexpr size_t kAlign = 64;
constexpr size_t kHeader = 64;  // holds the block's size, keeps the payload aligned
constexpr size_t kSlack = 64;

struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free;  // by rounded payload size
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: Halide may free during static destruction
  return *p;
}

size_t rounded(size_t size) { return (size + 4095) & ~size_t(4095); }

void* allocateBlock(size_t size) {
  size_t key = rounded(size);
  {
    std::lock_guard<std::mutex> lock(pool().mutex);
    auto it = pool().free.find(key);
    if (it != pool().free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      return p;
    }
  }
  char* base = static_cast<char*>(std::aligned_alloc(kAlign, kHeader + key + kSlack));
  if (!base) return nullptr;
  *reinterpret_cast<size_t*>(base) = key;
  return base + kHeader;
}

void releaseBlock(void* p) {
  if (!p) return;
  size_t key = *reinterpret_cast<size_t*>(static_cast<char*>(p) - kHeader);
  std::lock_guard<std::mutex> lock(pool().mutex);
  pool().free[key].push_back(p);
}

void* pooledMalloc(Halide::JITUserContext*, size_t size) { return allocateBlock(size); }
void pooledFree(Halide::JITUserContext*, void* p) { releaseBlock(p); }

}  // namespace

void* pooledAllocate(void*, size_t size) { return allocateBlock(size); }
void pooledRelease(void*, void* block) { releaseBlock(block); }

void usePooledAllocator(Halide::Pipeline& pipeline) {
  pipeline.jit_handlers().custom_malloc = pooledMalloc;
  pipeline.jit_handlers().custom_free = pooledFree;
}

}  // namespace graphc
