// Session 22: time and page faults of the first 16 calls of an 8-query batch (far instance of the
// benchmark, n from argv[1], m = argv[2]) after m single solves. Build from the repository root:
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I . -I src \
//     -I/usr/include/eigen3 src/solvers/{min_norm_point,key_dots,key_norms,hull_projection}.cpp \
//     experiments/hull_vs_nnls/session22/first_calls.cpp -lfmt -o /tmp/first_calls
#include "bench/hull_instances.hpp"
#include "solvers/hull_projection.hpp"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>
using namespace vashista;
static long faults() { rusage u; getrusage(RUSAGE_SELF, &u); return u.ru_minflt; }
int main(int argc, char** argv) {
  const Index n = atol(argv[1]); const Index m = atol(argv[2]);
  const auto inst = bench::make_far(n, 7);
  const Matrix q = inst.queries.topRows(m);
  for (Index j = 0; j < m; ++j) { auto h = project_onto_hull(inst.keys, q.row(j).transpose()); }
  for (int r = 0; r < 16; ++r) {
    long f0 = faults();
    auto t0 = std::chrono::steady_clock::now();
    const auto hs = project_onto_hull_batch(inst.keys, q, {});
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / m;
    std::printf("call %2d: %.1f us/query, %ld faults\n", r, us, faults() - f0);
  }
}
