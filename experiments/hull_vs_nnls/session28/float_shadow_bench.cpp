// Microbenchmark: pass 1 (dots + norms) + pass 2 (dots at another vector) over double K, against
// pass 1 writing a float32 shadow + pass 2 over the shadow (double accumulation); docs/benchmarks.md
// "Session 28" (not kept). From the repository root:
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I src \
//       -I/usr/include/eigen3 src/solvers/key_dots.cpp experiments/hull_vs_nnls/session28/float_shadow_bench.cpp \
//       -o /tmp/float_shadow_bench -lfmt
//   OMP_NUM_THREADS=1 taskset -c 1 /tmp/float_shadow_bench N [ROUNDS]     # N keys of dimension 128
#include "solvers/key_dots.hpp"
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>
using namespace vashista;
using clk = std::chrono::steady_clock;
static double med(std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; }

static inline double fmad(double a, double b, double s) { return std::fma(a, b, s); }

__attribute__((noinline)) void pass1_shadow(const double* K, Index n, Index d, const double* v, double* out,
                                            double* norms, float* sh) {
  Index i = 0;
  for (; i + 4 <= n; i += 4) {
    const double *r0 = K + i * d, *r1 = r0 + d, *r2 = r1 + d, *r3 = r2 + d;
    float *f0 = sh + i * d, *f1 = f0 + d, *f2 = f1 + d, *f3 = f2 + d;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, n0, n1, n2, n3)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
      s0 = fmad(r0[j], vj, s0); s1 = fmad(r1[j], vj, s1); s2 = fmad(r2[j], vj, s2); s3 = fmad(r3[j], vj, s3);
      n0 = fmad(r0[j], r0[j], n0); n1 = fmad(r1[j], r1[j], n1); n2 = fmad(r2[j], r2[j], n2); n3 = fmad(r3[j], r3[j], n3);
      f0[j] = static_cast<float>(r0[j]); f1[j] = static_cast<float>(r1[j]);
      f2[j] = static_cast<float>(r2[j]); f3[j] = static_cast<float>(r3[j]);
    }
    out[i] = s0; out[i + 1] = s1; out[i + 2] = s2; out[i + 3] = s3;
    norms[i] = std::sqrt(n0); norms[i + 1] = std::sqrt(n1); norms[i + 2] = std::sqrt(n2); norms[i + 3] = std::sqrt(n3);
  }
}

__attribute__((noinline)) void pass2_shadow(const float* sh, Index n, Index d, const double* v, double* out) {
  for (Index i = 0; i + 8 <= n; i += 8) {
    const float *r0 = sh + i * d, *r1 = r0 + d, *r2 = r1 + d, *r3 = r2 + d, *r4 = r3 + d, *r5 = r4 + d,
                *r6 = r5 + d, *r7 = r6 + d;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
      s0 = fmad(r0[j], vj, s0); s1 = fmad(r1[j], vj, s1); s2 = fmad(r2[j], vj, s2); s3 = fmad(r3[j], vj, s3);
      s4 = fmad(r4[j], vj, s4); s5 = fmad(r5[j], vj, s5); s6 = fmad(r6[j], vj, s6); s7 = fmad(r7[j], vj, s7);
    }
    out[i] = s0; out[i + 1] = s1; out[i + 2] = s2; out[i + 3] = s3;
    out[i + 4] = s4; out[i + 5] = s5; out[i + 6] = s6; out[i + 7] = s7;
  }
}

int main(int argc, char** argv) {
  const Index n = std::atol(argv[1]), d = 128;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 31;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g;
  Matrix K(n, d);
  for (Index i = 0; i < n; ++i) for (Index j = 0; j < d; ++j) K(i, j) = g(rng);
  Vector q(d), r(d), out(n), out2(n), norms(n);
  for (Index j = 0; j < d; ++j) { q[j] = g(rng); r[j] = g(rng); }
  std::vector<float> shadow(static_cast<std::size_t>(n * d));
  std::vector<Index> pool(static_cast<std::size_t>(n / 8));
  for (auto& p : pool) p = static_cast<Index>(rng() % n);
  std::sort(pool.begin(), pool.end());
  std::vector<double> tref, t1, t2, t1s, t2s, tgather;
  double sink = 0;
  auto gather = [&] { auto t0 = clk::now(); key_dots_of_rows(K, pool.data(), pool.size(), r.data(), out2.data()); tgather.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count()); };
  for (int rep = 0; rep < reps; ++rep) {
    auto t0 = clk::now();
    out.noalias() = K * r;
    tref.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    sink += out[1];
    t0 = clk::now();
    key_pass_dots(K, r, out);
    tref.back() = std::min(tref.back(), std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    // current: pass 1 with norms over double, gather, pass 2 over double
    t0 = clk::now();
    key_dots(K, 0, n, n, q.data(), out.data(), norms.data(), false);
    t1.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    gather();
    t0 = clk::now();
    key_dots(K, 0, n, n, r.data(), out.data(), nullptr, false);
    t2.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    sink += out[3];
    // shadow
    t0 = clk::now();
    pass1_shadow(K.data(), n, d, q.data(), out.data(), norms.data(), shadow.data());
    t1s.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    gather();
    t0 = clk::now();
    pass2_shadow(shadow.data(), n, d, r.data(), out.data());
    t2s.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    sink += out[5];
  }
  const double ref = med(tref);
  std::printf("n=%ld ref %.1f | double: p1 %.1f p2 %.1f sum %.1f (%.2f passes) | shadow: p1 %.1f p2 %.1f sum %.1f (%.2f passes) | gather %.1f  saved %.2f passes %s\n",
              (long)n, ref, med(t1), med(t2), med(t1) + med(t2), (med(t1) + med(t2)) / ref, med(t1s), med(t2s),
              med(t1s) + med(t2s), (med(t1s) + med(t2s)) / ref, med(tgather),
              (med(t1) + med(t2) - med(t1s) - med(t2s)) / ref, sink == 12345 ? "!" : "");
}
