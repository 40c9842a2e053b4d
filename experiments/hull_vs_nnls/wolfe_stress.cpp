// Stress of the exact projection on degenerate random instances (session 9): integer keys in
// {-2..2}^d with half-integer queries (ties, duplicates, q on faces and edges), low-rank keys (affinely
// dependent faces) and Gaussian keys with duplicated rows; d = 2..8, n = 1..40; default options and a
// one-key working set alternately. Prints the status tally and the largest number of Wolfe major
// cycles; any solve above 500 major cycles (the limit is 10000) is listed with its instance.
//
//   g++ -std=c++20 -O2 -DNDEBUG -fopenmp -I src -I/usr/include/eigen3 experiments/hull_vs_nnls/wolfe_stress.cpp \
//       src/solvers/hull_projection.cpp src/solvers/min_norm_point.cpp src/solvers/key_dots.cpp \
//       src/solvers/key_norms.cpp -lfmt -o /tmp/wolfe_stress
//   OMP_NUM_THREADS=1 /tmp/wolfe_stress 100000 1      # instances, seed
//
// Before the minor cycle's step fix (session 9), 8 of 100000 instances with seed 1 and 5 with seed 2 (all
// integer keys, default options) ran to the 10000-major-cycle limit and returned no_gap with a useless
// x_error; after it the most is 33 / 51 (seeds 1 / 2). docs/benchmarks.md, "Session 9".
#include "solvers/hull_projection.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

using namespace vashista;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: wolfe_stress INSTANCES SEED\n");
    return 2;
  }
  const long instances = std::atol(argv[1]);
  std::mt19937_64 rng(static_cast<std::uint64_t>(std::atol(argv[2])));
  std::normal_distribution<double> gauss;
  std::map<std::string, long> tally;
  long max_majors = 0, total_majors = 0;
  for (long rep = 0; rep < instances; ++rep) {
    const int kind = static_cast<int>(rep % 3);
    const Index d = 2 + rep % 7;
    const Index n = 1 + static_cast<Index>(rng() % 40);
    Matrix keys(n, d);
    Vector q(d);
    if (kind == 0) {
      for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < d; ++j) keys(i, j) = static_cast<double>(static_cast<int>(rng() % 5) - 2);
      for (Index j = 0; j < d; ++j) q[j] = 0.5 * (static_cast<int>(rng() % 17) - 8);
    } else if (kind == 1) {
      const Index rank = 1 + static_cast<Index>(rng() % static_cast<std::uint64_t>(d));
      const Matrix a = Matrix::NullaryExpr(n, rank, [&](Index, Index) { return gauss(rng); });
      const Matrix b = Matrix::NullaryExpr(rank, d, [&](Index, Index) { return gauss(rng); });
      keys = a * b;
      q = Vector::NullaryExpr(d, [&](Index) { return 3 * gauss(rng); });
    } else {
      for (Index i = 0; i < n; ++i) {
        if (i > 0 && rng() % 3 == 0)
          keys.row(i) = keys.row(static_cast<Index>(rng() % static_cast<std::uint64_t>(i)));
        else
          for (Index j = 0; j < d; ++j) keys(i, j) = gauss(rng);
      }
      q = Vector::NullaryExpr(d, [&](Index) { return 2 * gauss(rng); });
    }
    HullOptions options;
    if (rep % 2) {
      options.initial_working_set = 1;
      options.max_added_per_pass = 1;
    }
    const HullProjection h = project_onto_hull(keys, q, options);
    ++tally[std::string(to_string(h.status)) + (h.linear_certificate ? " (linear certificate)" : "")];
    max_majors = std::max<long>(max_majors, h.major_iterations);
    total_majors += h.major_iterations;
    if (h.major_iterations > 500) {
      std::printf("instance %ld (kind %d, d %ld, n %ld, working set %d): %d major cycles, %s\n", rep, kind,
                  static_cast<long>(d), static_cast<long>(n), options.initial_working_set, h.major_iterations,
                  to_string(h.status));
      for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < d; ++j) std::printf(" %.17g", keys(i, j));
        std::printf("\n");
      }
      std::printf("q");
      for (Index j = 0; j < d; ++j) std::printf(" %.17g", q[j]);
      std::printf("\n");
    }
  }
  for (const auto& [status, count] : tally) std::printf("%-36s %ld\n", status.c_str(), count);
  std::printf("major cycles: max %ld, mean %.2f\n", max_majors, static_cast<double>(total_majors) / static_cast<double>(instances));
  return 0;
}
