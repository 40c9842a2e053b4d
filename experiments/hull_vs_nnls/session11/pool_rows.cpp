// Built on the development box (g++ -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fopenmp -isystem /usr/include/eigen3),
// run twice on the GPU host's CPU pinned to core 3: output in pool_rows_h200host.txt (docs/benchmarks.md, "Session 11").
// Microbenchmark: scattered-row dot products (a candidate pool, 1/8 of the keys, sorted) with software
// prefetching `ahead` rows ahead, against one streaming pass over all keys (d = 128, x86-64-v3, FMA).
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>
using M = Eigen::Matrix<double, -1, -1, Eigen::RowMajor>;
using Index = Eigen::Index;
static void dot4(const double* r0, const double* r1, const double* r2, const double* r3, const double* v, Index d, double* s) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
  for (Index j = 0; j < d; ++j) { s0 = std::fma(r0[j], v[j], s0); s1 = std::fma(r1[j], v[j], s1); s2 = std::fma(r2[j], v[j], s2); s3 = std::fma(r3[j], v[j], s3); }
  s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
}
template <int kHint>
__attribute__((noinline)) void rows_pass(const M& K, const Index* rows, std::size_t count, const double* v, double* out, std::size_t ahead) {
  const Index d = K.cols(), stride = K.outerStride();
  const double* base = K.data();
  std::size_t s = 0;
  for (; s + 4 <= count; s += 4) {
    if (ahead > 0)
      for (std::size_t a = s + ahead; a < std::min(count, s + ahead + 4); ++a)
        for (Index c = 0; c < d; c += 8) __builtin_prefetch(base + rows[a] * stride + c, 0, kHint);
    double dots[4];
    dot4(base + rows[s] * stride, base + rows[s + 1] * stride, base + rows[s + 2] * stride, base + rows[s + 3] * stride, v, d, dots);
    for (int t = 0; t < 4; ++t) out[rows[s + t]] = dots[t];
  }
}
int main() {
  std::mt19937_64 rng(5);
  for (Index n : {Index(4096), Index(16384), Index(131072)}) {
    M K = M::Random(n, 128);
    Eigen::VectorXd v = Eigen::VectorXd::Random(128), out(n);
    std::vector<Index> rows(n);
    for (Index i = 0; i < n; ++i) rows[i] = i;
    std::shuffle(rows.begin(), rows.end(), rng);
    rows.resize(n / 8);
    std::sort(rows.begin(), rows.end());
    const int reps = n > 20000 ? 15 : 60;
    const std::size_t aheads[] = {0, 1, 2, 4, 8, 16};
    double best[13];
    std::fill(best, best + 13, 1e300);
    for (int t = 0; t < reps; ++t) {
      auto t0 = std::chrono::steady_clock::now();
      out.noalias() = K * v;
      best[0] = std::min(best[0], std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
      for (int k = 0; k < 6; ++k)
        for (int h = 0; h < 2; ++h) {
          auto t1 = std::chrono::steady_clock::now();
          if (h == 0) rows_pass<3>(K, rows.data(), rows.size(), v.data(), out.data(), aheads[k]);
          else rows_pass<2>(K, rows.data(), rows.size(), v.data(), out.data(), aheads[k]);
          best[1 + 2 * k + h] = std::min(best[1 + 2 * k + h], std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t1).count());
        }
    }
    printf("n %6ld: pass %.1f us; rows (1/8) as passes, ahead/hint T0|T1:", (long)n, best[0]);
    for (int k = 0; k < 6; ++k) printf("  %zu: %.3f|%.3f", aheads[k], best[1 + 2 * k] / best[0], best[2 + 2 * k] / best[0]);
    printf("\n");
  }
}
