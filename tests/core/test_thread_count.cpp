// The worker-thread setting of a run (core/thread_count.hpp).
#include "core/error.hpp"
#include "core/thread_count.hpp"

#include <doctest/doctest.h>
#include <omp.h>

using namespace vashista;

TEST_CASE("ThreadCount applies a request to OpenMP while it lives and restores the previous setting") {
  const int before = omp_get_max_threads();
  {
    const ThreadCount threads(3);
    CHECK(threads.count() == 3);
    CHECK(omp_get_max_threads() == 3);
    int team = 0;
#pragma omp parallel
    {
#pragma omp single
      team = omp_get_num_threads();
    }
    CHECK(team == 3);
  }
  CHECK(omp_get_max_threads() == before);
  {
    const ThreadCount threads(0);  // OpenMP's default
    CHECK(threads.count() == before);
  }
  CHECK(omp_get_max_threads() == before);
}

TEST_CASE("ThreadCount refuses counts outside [0, kMaxThreads], and a default beyond kMaxThreads") {
  const int before = omp_get_max_threads();
  CHECK_THROWS_AS(ThreadCount{-1}, Error);
  CHECK_THROWS_AS(ThreadCount{kMaxThreads + 1}, Error);
  CHECK(omp_get_max_threads() == before);
  CHECK_NOTHROW(ThreadCount{kMaxThreads});
  omp_set_num_threads(kMaxThreads + 1);  // as OMP_NUM_THREADS = 1025 would
  try {
    const ThreadCount threads(0);
    FAIL("a default of kMaxThreads + 1 threads was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
  }
  CHECK_NOTHROW(ThreadCount{2});  // an explicit request overrides it
  omp_set_num_threads(before);
}
