#include "core/thread_count.hpp"

#include "core/error.hpp"

#include <omp.h>

namespace vashista {

ThreadCount::ThreadCount(int requested) : previous_(omp_get_max_threads()), count_(requested) {
  VASHISTA_CHECK(requested >= 0 && requested <= kMaxThreads, ErrorKind::usage,
                 "--threads must lie in [0, {}] (0 = all cores), got {}", kMaxThreads, requested);
  if (requested == 0) {
    count_ = previous_;
    VASHISTA_CHECK(count_ <= kMaxThreads, ErrorKind::usage,
                   "OMP_NUM_THREADS asks for {} threads, at most {} are supported (or pass --threads N)", count_,
                   kMaxThreads);
  }
  omp_set_num_threads(count_);
}

ThreadCount::~ThreadCount() { omp_set_num_threads(previous_); }

}  // namespace vashista
