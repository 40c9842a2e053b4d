// One pass over K three ways, interleaved (docs/benchmarks.md, "Session 8", adaptive prefetching):
// Eigen's gemv, key_dots without and with software prefetching; medians of 31 rounds, d = 128.
// Build against the library (from the repository root, after scripts/build.sh):
//   g++ -std=c++20 -O3 -DNDEBUG -fopenmp -I src -I/usr/include/eigen3 \
//       experiments/hull_vs_nnls/prefetch_passes.cpp build/src/libvashista_solvers.a \
//       build/src/libvashista_core.a -lfmt -o prefetch_passes
#include "solvers/key_dots.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace vashista;

int main() {
  constexpr Index kDim = 128;
  constexpr int kRounds = 31;
  for (Index n : {4096, 8192, 16384, 32768, 131072}) {
    const Matrix keys = Matrix::Random(n, kDim);
    const Vector v = Vector::Random(kDim);
    Vector out(n);
    std::vector<double> times[3];
    for (int round = 0; round < kRounds; ++round)
      for (int way = 0; way < 3; ++way) {
        const auto start = std::chrono::steady_clock::now();
        if (way == 0)
          out.noalias() = keys * v;
        else
          key_dots(keys, 0, n, n, v.data(), out.data(), nullptr, way == 2);
        times[way].push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
      }
    for (auto& t : times) std::nth_element(t.begin(), t.begin() + kRounds / 2, t.end());
    std::printf("n %6ld  gemv %8.1f  dots %8.1f  dots+prefetch %8.1f us (medians, interleaved)\n", n,
                times[0][kRounds / 2], times[1][kRounds / 2], times[2][kRounds / 2]);
  }
}
