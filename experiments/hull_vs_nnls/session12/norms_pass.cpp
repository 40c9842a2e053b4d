// Pass 1 with the key norms (docs/benchmarks.md, "Session 12"): timing copies of solvers/key_dots.cpp's
// dot4 loop (dots only, dots + squared norms fused), the norms in a second loop over the same 4 rows,
// 2 rows at a time, and software prefetch 4 / 8 / 32 rows ahead (one prefetch per cache line), against
// Eigen's gemv; n from the command line (d = 128). Median over 5 rounds of the best of 3 passes each.
//   g++ -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fopenmp -isystem /usr/include/eigen3 norms_pass.cpp
//     -o /tmp/norms_pass && taskset -c 1 /tmp/norms_pass 131072
#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>
#include <functional>
#include <algorithm>
using M = Eigen::Matrix<double, -1, -1, Eigen::RowMajor>;
using Index = Eigen::Index;
static inline double fma_(double a, double b, double c) { return std::fma(a, b, c); }
// dots of 4 rows, then norms of the same 4 rows in a second loop (rows in L1)
__attribute__((noinline)) void pass4_split(const M& K, const double* v, double* out, double* nrm) {
  const Index n = K.rows(), d = K.cols(), st = K.outerStride();
  for (Index i = 0; i + 4 <= n; i += 4) {
    const double *r0 = K.data() + i * st, *r1 = r0 + st, *r2 = r1 + st, *r3 = r2 + st;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
      s0 = fma_(r0[j], vj, s0); s1 = fma_(r1[j], vj, s1); s2 = fma_(r2[j], vj, s2); s3 = fma_(r3[j], vj, s3);
    }
#pragma omp simd reduction(+ : n0, n1, n2, n3)
    for (Index j = 0; j < d; ++j) { n0 = fma_(r0[j], r0[j], n0); n1 = fma_(r1[j], r1[j], n1); n2 = fma_(r2[j], r2[j], n2); n3 = fma_(r3[j], r3[j], n3); }
    out[i] = s0; out[i + 1] = s1; out[i + 2] = s2; out[i + 3] = s3;
    nrm[i] = std::sqrt(n0); nrm[i + 1] = std::sqrt(n1); nrm[i + 2] = std::sqrt(n2); nrm[i + 3] = std::sqrt(n3);
  }
}
// 2 rows at a time with norms (4 accumulators)
__attribute__((noinline)) void pass2n(const M& K, const double* v, double* out, double* nrm) {
  const Index n = K.rows(), d = K.cols(), st = K.outerStride();
  for (Index i = 0; i + 2 <= n; i += 2) {
    const double *r0 = K.data() + i * st, *r1 = r0 + st;
    double s0 = 0, s1 = 0, n0 = 0, n1 = 0;
#pragma omp simd reduction(+ : s0, s1, n0, n1)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
      s0 = fma_(r0[j], vj, s0); s1 = fma_(r1[j], vj, s1); n0 = fma_(r0[j], r0[j], n0); n1 = fma_(r1[j], r1[j], n1);
    }
    out[i] = s0; out[i + 1] = s1; nrm[i] = std::sqrt(n0); nrm[i + 1] = std::sqrt(n1);
  }
}

// kAhead > 0: prefetch the rows kAhead ahead, one prefetch per cache line.
template <bool kNorms, int kAhead>
__attribute__((noinline)) void pass4p(const M& K, const double* v, double* out, double* nrm) {
  const Index n = K.rows(), d = K.cols(), st = K.outerStride();
  for (Index i = 0; i + 4 <= n; i += 4) {
    const double *r0 = K.data() + i * st, *r1 = r0 + st, *r2 = r1 + st, *r3 = r2 + st;
    if constexpr (kAhead > 0)
      for (Index c = 0; c < 4 * st; c += 8) __builtin_prefetch(r0 + kAhead * st + c);
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, n0, n1, n2, n3)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
      s0 = fma_(r0[j], vj, s0); s1 = fma_(r1[j], vj, s1); s2 = fma_(r2[j], vj, s2); s3 = fma_(r3[j], vj, s3);
      if constexpr (kNorms) { n0 = fma_(r0[j], r0[j], n0); n1 = fma_(r1[j], r1[j], n1); n2 = fma_(r2[j], r2[j], n2); n3 = fma_(r3[j], r3[j], n3); }
    }
    out[i] = s0; out[i + 1] = s1; out[i + 2] = s2; out[i + 3] = s3;
    if constexpr (kNorms) { nrm[i] = std::sqrt(n0); nrm[i + 1] = std::sqrt(n1); nrm[i + 2] = std::sqrt(n2); nrm[i + 3] = std::sqrt(n3); }
  }
}

template <class F> double best_us(F f, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) { auto t0 = std::chrono::steady_clock::now(); f(); auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::micro>(t1 - t0).count()); }
  return best;
}
int main(int argc, char** argv) {
  const Index n = argc > 1 ? std::atol(argv[1]) : 131072, d = 128;
  M K = M::Random(n, d); Eigen::VectorXd v = Eigen::VectorXd::Random(d), out(n), nrm(n);
  std::vector<std::pair<const char*, std::function<void()>>> vs = {
    {"dots only", [&] { pass4p<false, 0>(K, v.data(), out.data(), nullptr); }},
    {"dots+norms", [&] { pass4p<true, 0>(K, v.data(), out.data(), nrm.data()); }},
    {"dots then norms", [&] { pass4_split(K, v.data(), out.data(), nrm.data()); }},
    {"dots+norms 2 rows", [&] { pass2n(K, v.data(), out.data(), nrm.data()); }},
    {"dots pf4", [&] { pass4p<false, 4>(K, v.data(), out.data(), nullptr); }},
    {"dots+norms pf4", [&] { pass4p<true, 4>(K, v.data(), out.data(), nrm.data()); }},
    {"dots pf8", [&] { pass4p<false, 8>(K, v.data(), out.data(), nullptr); }},
    {"dots+norms pf8", [&] { pass4p<true, 8>(K, v.data(), out.data(), nrm.data()); }},
    {"dots pf32", [&] { pass4p<false, 32>(K, v.data(), out.data(), nullptr); }},
    {"dots+norms pf32", [&] { pass4p<true, 32>(K, v.data(), out.data(), nrm.data()); }},
    {"Eigen gemv", [&] { out.noalias() = K * v; }}};
  std::vector<std::vector<double>> med(vs.size());
  for (int round = 0; round < 5; ++round)
    for (size_t k = 0; k < vs.size(); ++k) med[k].push_back(best_us(vs[k].second, 3));
  for (size_t k = 0; k < vs.size(); ++k) { std::sort(med[k].begin(), med[k].end()); std::printf("n=%ld %-20s median of best-of-3: %9.1f us\n", (long)n, vs[k].first, med[k][2]); }
  return out.sum() + nrm.sum() == 42 ? 1 : 0;
}
