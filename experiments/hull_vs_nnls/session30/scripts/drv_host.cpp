// Instruction counts per query of the exact projection (docs/benchmarks.md, sessions 9-10): the 32 queries of
// bench/bench_hull_projection.cpp's instances (same generators and seeds), solved under callgrind with
// collection on only around the solves, so that "instructions per query" is deterministic on any machine.
//
//   g++ -g -O3 -DNDEBUG -fno-math-errno -fopenmp -std=c++20 -I src -isystem /usr/include/eigen3 \
//       experiments/hull_vs_nnls/instructions_driver.cpp src/solvers/hull_projection.cpp \
//       src/solvers/min_norm_point.cpp src/solvers/key_dots.cpp src/solvers/key_norms.cpp src/core/*.cpp \
//       -lfmt -o /tmp/instructions_driver
//   OMP_NUM_THREADS=1 valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
//       /tmp/instructions_driver N PLANTED MODE     # N keys; PLANTED 1 | 0 (far); MODE 0 single,
//                                                  # 1 single with stream norms, 2 batch, 3 passes only
//   callgrind_annotate callgrind.out.PID | grep "PROGRAM TOTALS"   # divide by 32 (by 32 x REPS)
// Environment: HW / HA / HF override initial_working_set / max_added_per_pass / screening_fraction,
// REPS repeats the solves. Outside callgrind it prints a (noisy) wall-clock time per query as well.
#include <chrono>
#include "solvers/hull_projection.hpp"
#include "solvers/key_norms.hpp"
#include "bench/hull_instances.hpp"
#include <Eigen/QR>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include <valgrind/callgrind.h>
using namespace vashista;
using namespace vashista::bench;

HullOptions opts() {
  HullOptions o;
  if (const char* v = std::getenv("HW")) o.initial_working_set = std::atoi(v);
  if (const char* v = std::getenv("HA")) o.max_added_per_pass = std::atoi(v);
  if (const char* v = std::getenv("HF")) o.screening_fraction = std::atof(v);
  return o;
}
int main(int argc, char** argv) {
  const Index n = std::atol(argv[1]);
  const bool planted = std::atoi(argv[2]) != 0;
  const int mode = std::atoi(argv[3]);  // 0 single, 1 single with stream norms, 2 batch
  const Instance inst = planted ? make_planted(n, 11 + n) : make_far(n, 17 + n);
  KeyNorms norms(inst.keys);
  HullProjection h;
  std::vector<HullProjection> hs;
  double passes = 0; int cert = 0; double majors = 0;
  // warm-up (allocations) outside the measurement
  project_onto_hull(inst.keys, inst.queries.row(0).transpose(), opts(), h);
  double pass_us = 1e300;
  {
    Vector out(n);
    for (int t = 0; t < 15; ++t) {
      auto t0 = std::chrono::steady_clock::now();
      out.noalias() = inst.keys * inst.queries.row(t % kQueries).transpose();
      pass_us = std::min(pass_us, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() + 0 * out[0]);
    }
  }
  auto solve_t0 = std::chrono::steady_clock::now();
  CALLGRIND_START_INSTRUMENTATION;
  CALLGRIND_TOGGLE_COLLECT;
  if (mode == 3) {
    Vector out(n);
    for (Index j = 0; j < kQueries; ++j) {
      out.noalias() = inst.keys * inst.queries.row(j).transpose();
      passes += out[0];
    }
  } else if (mode == 2) {
    const int breps = std::getenv("REPS") ? std::atoi(std::getenv("REPS")) : 1;
    for (int rep = 0; rep < breps; ++rep) {
      project_onto_hull_batch(inst.keys, inst.queries, {}, opts(), hs);
      for (const auto& hh : hs) { passes += hh.key_passes; cert += hh.status == HullStatus::certified; majors += hh.major_iterations; }
    }
  } else {
    const int reps = std::getenv("REPS") ? std::atoi(std::getenv("REPS")) : 1;
    for (int rep = 0; rep < reps; ++rep)
    for (Index j = 0; j < kQueries; ++j) {
      if (std::getenv("PRE")) { Vector o(n); o.noalias() = inst.keys * inst.queries.row((j + 1) % kQueries).transpose(); passes += 0 * o[0]; }
      if (mode == 1) project_onto_hull(inst.keys, norms, inst.queries.row(j).transpose(), opts(), h);
      else
      project_onto_hull(inst.keys, inst.queries.row(j).transpose(), opts(), h);
      passes += h.key_passes; cert += h.status == HullStatus::certified; majors += h.major_iterations;
    }
  }
  CALLGRIND_TOGGLE_COLLECT;
  const double solve_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - solve_t0).count();
  const int reps = std::getenv("REPS") ? std::atoi(std::getenv("REPS")) : 1;
  std::printf("passes %.2f certified %d majors %.1f us/query %.1f pass_us %.1f ratio %.2f\n", passes / kQueries / reps, cert, majors / kQueries / reps,
              solve_us / kQueries / reps, pass_us, solve_us / kQueries / reps / pass_us);
}
