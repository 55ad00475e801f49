// \file The MPI side of data parallelism (runtime/distributed.h). Without GRAPHC_HAVE_MPI every
// exchange is one process's identity.
#include "runtime/distributed.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <thread>

#ifdef GRAPHC_HAVE_MPI
// MPI's C interface only: Open MPI's deprecated C++ bindings would need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace graphc {

bool builtWithMpi() {
#ifdef GRAPHC_HAVE_MPI
  return true;
#else
  return false;
#endif
}

#ifdef GRAPHC_HAVE_MPI

namespace {

// mpirun (Open MPI's, or any PMIx launcher) sets these; a plain `graphc run` leaves MPI alone,
// so that one process starts no MPI runtime at all.
bool launchedByMpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK"); }

// MPI_Waitall spins on a core until the peers are there: on a machine with more runnable
// processes than cores (ranks sharing cores, other work) the spinning rank takes the core from
// the rank it waits for. This waits the same way (MPI_Testall advances the collective) but, after
// a short spin, sleeps between polls.
void waitYielding(std::vector<MPI_Request>& requests) {
  using namespace std::chrono;
  auto spinUntil = steady_clock::now() + microseconds(100);
  for (;;) {
    int done = 0;
    MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done, MPI_STATUSES_IGNORE);
    if (done) return;
    if (steady_clock::now() > spinUntil) std::this_thread::sleep_for(microseconds(20));
  }
}

}  // namespace

struct Communicator::Pending {
  std::vector<MPI_Request> requests;
  std::deque<std::vector<int>> counts;  // the counts and offsets the requests read until they finish
  std::vector<MPI_Win> windows;         // shared memory
};

Communicator::Communicator(bool useMpi) {
  if (!useMpi || !launchedByMpirun()) return;
  if (const char* floats = std::getenv("GRAPHC_FUSION_FLOATS"))
    bucketFloats_ = std::max<size_t>(1, std::strtoull(floats, nullptr, 10));
  MPI_Init(nullptr, nullptr);
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm machine;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &machine);
  int local = 0;
  MPI_Comm_size(machine, &local);
  MPI_Comm_free(&machine);
  int everywhere = 0;  // every rank must agree, or some would wait in a window the others never open
  MPI_Allreduce(&local, &everywhere, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  // GRAPHC_SHARE_MEMORY=0 exchanges the data as between machines (the tests cover that path so).
  const char* share = std::getenv("GRAPHC_SHARE_MEMORY");
  oneMachine_ = everywhere == size_ && !(share && std::string(share) == "0");
}

Communicator::~Communicator() {
  if (!initialised_) return;
  // A rank leaving alone on an error: the others may be waiting in an exchange with it. The job
  // is aborted at exit, once the command line has printed the error.
  if (std::uncaught_exceptions() > 0 && !agreedExit_ && size_ > 1) {
    std::atexit([] { MPI_Abort(MPI_COMM_WORLD, 1); });
    return;
  }
  if (pending_)
    for (MPI_Win& window : pending_->windows) {
      MPI_Win_unlock_all(window);
      MPI_Win_free(&window);
    }
  MPI_Finalize();
}

std::vector<float*> Communicator::shareMemory(size_t floats) {
  if (!pending_) pending_ = std::make_unique<Pending>();
  float* mine = nullptr;
  MPI_Win window;
  MPI_Win_allocate_shared(static_cast<MPI_Aint>(floats * sizeof(float)), sizeof(float), MPI_INFO_NULL, MPI_COMM_WORLD,
                          &mine, &window);
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window);  // a passive epoch for the run: synchronizeShared orders the accesses
  pending_->windows.push_back(window);
  std::vector<float*> parts;
  for (int r = 0; r < size_; ++r) {
    MPI_Aint bytes = 0;
    int unit = 0;
    float* part = nullptr;
    MPI_Win_shared_query(window, r, &bytes, &unit, &part);
    parts.push_back(part);
  }
  return parts;
}

void Communicator::synchronizeShared() {
  auto start = std::chrono::steady_clock::now();
  if (pending_)
    for (MPI_Win& window : pending_->windows) MPI_Win_sync(window);
  std::vector<MPI_Request> barrier(1);  // waited for as the sums are: a rank waiting yields its core
  MPI_Ibarrier(MPI_COMM_WORLD, &barrier[0]);
  waitYielding(barrier);
  if (pending_)
    for (MPI_Win& window : pending_->windows) MPI_Win_sync(window);
  allreduceSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Communicator::startSum(float* data, size_t count) {
  if (size_ == 1) return;
  auto start = std::chrono::steady_clock::now();
  if (!pending_) pending_ = std::make_unique<Pending>();
  for (size_t first = 0; first < count; first += bucketFloats_) {
    size_t n = std::min(bucketFloats_, count - first);
    pending_->requests.emplace_back();
    MPI_Iallreduce(MPI_IN_PLACE, data + first, static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                   &pending_->requests.back());
  }
  allreduceSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {

// The floats of [begin, end) in each rank's range [bounds[r], bounds[r + 1]), as MPI counts.
std::vector<int> countsWithin(size_t begin, size_t end, const std::vector<size_t>& bounds) {
  std::vector<int> counts;
  for (size_t r = 0; r + 1 < bounds.size(); ++r) {
    size_t from = std::max(begin, bounds[r]), to = std::min(end, bounds[r + 1]);
    counts.push_back(static_cast<int>(to > from ? to - from : 0));
  }
  return counts;
}

}  // namespace

void Communicator::startReduceScatter(const float* data, size_t begin, size_t end, const std::vector<size_t>& bounds,
                                      float* mine) {
  size_t own = bounds[static_cast<size_t>(rank_)];
  float* to = mine + (std::max(begin, own) - own);
  if (size_ == 1) {
    std::copy(data + begin, data + end, to);
    return;
  }
  auto start = std::chrono::steady_clock::now();
  if (!pending_) pending_ = std::make_unique<Pending>();
  pending_->counts.push_back(countsWithin(begin, end, bounds));
  pending_->requests.emplace_back();
  MPI_Ireduce_scatter(data + begin, to, pending_->counts.back().data(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                      &pending_->requests.back());
  allreduceSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Communicator::startGather(float* data, const std::vector<size_t>& bounds) {
  if (size_ == 1) return;
  auto start = std::chrono::steady_clock::now();
  if (!pending_) pending_ = std::make_unique<Pending>();
  pending_->counts.push_back(countsWithin(0, bounds.back(), bounds));
  const std::vector<int>& counts = pending_->counts.back();
  pending_->counts.emplace_back();
  for (size_t r = 0; r + 1 < bounds.size(); ++r) pending_->counts.back().push_back(static_cast<int>(bounds[r]));
  pending_->requests.emplace_back();
  MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, counts.data(), pending_->counts.back().data(), MPI_FLOAT,
                  MPI_COMM_WORLD, &pending_->requests.back());
  allreduceSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Communicator::finishExchanges() {
  if (!pending_ || pending_->requests.empty()) return;
  auto start = std::chrono::steady_clock::now();
  waitYielding(pending_->requests);
  pending_->requests.clear();
  pending_->counts.clear();
  allreduceSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<std::string> Communicator::allgather(const std::string& value) {
  if (size_ == 1) return {value};
  int length = static_cast<int>(value.size());
  std::vector<int> lengths(static_cast<size_t>(size_)), offsets(static_cast<size_t>(size_));
  MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (int r = 0; r < size_; ++r) offsets[static_cast<size_t>(r)] = total, total += lengths[static_cast<size_t>(r)];
  std::string all(static_cast<size_t>(total), '\0');
  MPI_Allgatherv(value.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
  std::vector<std::string> values;
  for (int r = 0; r < size_; ++r)
    values.push_back(all.substr(static_cast<size_t>(offsets[static_cast<size_t>(r)]),
                                static_cast<size_t>(lengths[static_cast<size_t>(r)])));
  return values;
}

void Communicator::barrier() {
  if (size_ > 1) MPI_Barrier(MPI_COMM_WORLD);
}

#else

struct Communicator::Pending {
  std::deque<std::vector<float>> memory;  // shareMemory's, for one process
};
std::vector<float*> Communicator::shareMemory(size_t floats) {
  if (!pending_) pending_ = std::make_unique<Pending>();
  pending_->memory.emplace_back(floats);
  return {pending_->memory.back().data()};
}
void Communicator::synchronizeShared() {}
Communicator::Communicator(bool) {}
Communicator::~Communicator() = default;
void Communicator::startSum(float*, size_t) {}
void Communicator::startReduceScatter(const float* data, size_t begin, size_t end, const std::vector<size_t>&,
                                      float* mine) {
  std::copy(data + begin, data + end, mine + begin);
}
void Communicator::startGather(float*, const std::vector<size_t>&) {}
void Communicator::finishExchanges() {}
std::vector<std::string> Communicator::allgather(const std::string& value) { return {value}; }
void Communicator::barrier() {}

#endif

void Communicator::allreduceSum(float* data, size_t count) {
  startSum(data, count);
  finishExchanges();
}

std::vector<int> Communicator::ranksDiffering(const std::string& value) {
  std::vector<std::string> all = allgather(value);
  std::vector<int> differing;
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differing.push_back(static_cast<int>(r));
  return differing;
}

}  // namespace graphc
