// Session 29 probe (experiments/hull_vs_nnls/session29/README.md). Build from the repository root:
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I src -isystem /usr/include/eigen3 \
//       experiments/hull_vs_nnls/session29/kernels/kern.cpp src/solvers/key_dots.cpp src/core/*.cpp -lfmt -o kern
//   OMP_NUM_THREADS=1 taskset -c 3 ./kern 0 101     # all sizes, 101 interleaved repetitions
// Session 29 probe: one-vector passes over K (d = 128) on the GPU host's Xeon: Eigen gemv, the library's
// plain pass (dot8), pass 1's kernel with norms (dot4<true>), and local variants with norms.
#include "solvers/key_dots.hpp"
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
using namespace vashista;

static inline double fmad(double a, double b, double c) { return std::fma(a, b, c); }

// R rows at a time with norms: 2R accumulators.
template <int R>
void dotsR_norms(const double* keys, Index n, Index d, const double* v, double* out, double* norms) {
  Index i = 0;
  for (; i + R <= n; i += R) {
    const double* r = keys + i * d;
    double s[R], q[R];
    for (int t = 0; t < R; ++t) s[t] = q[t] = 0;
#pragma omp simd reduction(+ : s, q)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
#pragma GCC unroll 8
      for (int t = 0; t < R; ++t) {
        const double x = r[t * d + j];
        s[t] = fmad(x, vj, s[t]);
        q[t] = fmad(x, x, q[t]);
      }
    }
    for (int t = 0; t < R; ++t) { out[i + t] = s[t]; norms[i + t] = q[t]; }
  }
  for (; i < n; ++i) {
    double s = 0, q = 0;
    for (Index j = 0; j < d; ++j) { s += keys[i * d + j] * v[j]; q += keys[i * d + j] * keys[i * d + j]; }
    out[i] = s; norms[i] = q;
  }
#pragma omp simd
  for (Index t = 0; t < n; ++t) norms[t] = std::sqrt(norms[t]);
}


void dots6n(const double* keys, Index n, Index d, const double* v, double* out, double* norms) {
  Index i = 0;
  for (; i + 6 <= n; i += 6) {
    const double* r = keys + i * d;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0, q5 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, q0, q1, q2, q3, q4, q5)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
      { const double x = r[0 * d + j]; s0 = fmad(x, vj, s0); q0 = fmad(x, x, q0); }
      { const double x = r[1 * d + j]; s1 = fmad(x, vj, s1); q1 = fmad(x, x, q1); }
      { const double x = r[2 * d + j]; s2 = fmad(x, vj, s2); q2 = fmad(x, x, q2); }
      { const double x = r[3 * d + j]; s3 = fmad(x, vj, s3); q3 = fmad(x, x, q3); }
      { const double x = r[4 * d + j]; s4 = fmad(x, vj, s4); q4 = fmad(x, x, q4); }
      { const double x = r[5 * d + j]; s5 = fmad(x, vj, s5); q5 = fmad(x, x, q5); }
    }
    out[i + 0] = s0; norms[i + 0] = q0; out[i + 1] = s1; norms[i + 1] = q1; out[i + 2] = s2; norms[i + 2] = q2; out[i + 3] = s3; norms[i + 3] = q3; out[i + 4] = s4; norms[i + 4] = q4; out[i + 5] = s5; norms[i + 5] = q5;
  }
  for (; i < n; ++i) {
    double s = 0, q = 0;
    for (Index j = 0; j < d; ++j) { s += keys[i * d + j] * v[j]; q += keys[i * d + j] * keys[i * d + j]; }
    out[i] = s; norms[i] = q;
  }
#pragma omp simd
  for (Index t = 0; t < n; ++t) norms[t] = std::sqrt(norms[t]);
}

void dots8n(const double* keys, Index n, Index d, const double* v, double* out, double* norms) {
  Index i = 0;
  for (; i + 8 <= n; i += 8) {
    const double* r = keys + i * d;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0, q5 = 0, q6 = 0, q7 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7, q0, q1, q2, q3, q4, q5, q6, q7)
    for (Index j = 0; j < d; ++j) {
      const double vj = v[j];
      { const double x = r[0 * d + j]; s0 = fmad(x, vj, s0); q0 = fmad(x, x, q0); }
      { const double x = r[1 * d + j]; s1 = fmad(x, vj, s1); q1 = fmad(x, x, q1); }
      { const double x = r[2 * d + j]; s2 = fmad(x, vj, s2); q2 = fmad(x, x, q2); }
      { const double x = r[3 * d + j]; s3 = fmad(x, vj, s3); q3 = fmad(x, x, q3); }
      { const double x = r[4 * d + j]; s4 = fmad(x, vj, s4); q4 = fmad(x, x, q4); }
      { const double x = r[5 * d + j]; s5 = fmad(x, vj, s5); q5 = fmad(x, x, q5); }
      { const double x = r[6 * d + j]; s6 = fmad(x, vj, s6); q6 = fmad(x, x, q6); }
      { const double x = r[7 * d + j]; s7 = fmad(x, vj, s7); q7 = fmad(x, x, q7); }
    }
    out[i + 0] = s0; norms[i + 0] = q0; out[i + 1] = s1; norms[i + 1] = q1; out[i + 2] = s2; norms[i + 2] = q2; out[i + 3] = s3; norms[i + 3] = q3; out[i + 4] = s4; norms[i + 4] = q4; out[i + 5] = s5; norms[i + 5] = q5; out[i + 6] = s6; norms[i + 6] = q6; out[i + 7] = s7; norms[i + 7] = q7;
  }
  for (; i < n; ++i) {
    double s = 0, q = 0;
    for (Index j = 0; j < d; ++j) { s += keys[i * d + j] * v[j]; q += keys[i * d + j] * keys[i * d + j]; }
    out[i] = s; norms[i] = q;
  }
#pragma omp simd
  for (Index t = 0; t < n; ++t) norms[t] = std::sqrt(norms[t]);
}

// Blocked: plain dot8 pass over a block of B rows, then the block's norms (from L1/L2).
void dots_then_norms(const Matrix& K, const double* v, double* out, double* norms, Index B) {
  const Index n = K.rows(), d = K.cols();
  for (Index b = 0; b < n; b += B) {
    const Index len = std::min(B, n - b);
    key_dots(K, b, len, len, v, out + b, nullptr, false);
    for (Index i = b; i < b + len; i += 4) {
      const double* r = K.data() + i * d;
      double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
#pragma omp simd reduction(+ : q0, q1, q2, q3)
      for (Index j = 0; j < d; ++j) {
        q0 = fmad(r[j], r[j], q0); q1 = fmad(r[d + j], r[d + j], q1);
        q2 = fmad(r[2 * d + j], r[2 * d + j], q2); q3 = fmad(r[3 * d + j], r[3 * d + j], q3);
      }
      norms[i] = q0; norms[i + 1] = q1; norms[i + 2] = q2; norms[i + 3] = q3;
    }
  }
#pragma omp simd
  for (Index t = 0; t < n; ++t) norms[t] = std::sqrt(norms[t]);
}

int main(int argc, char** argv) {
  const Index d = 128;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 101;
  for (Index n : {Index(4096), Index(16384), Index(131072)}) {
    if (argc > 1 && std::atol(argv[1]) != 0 && std::atol(argv[1]) != n) continue;
    std::mt19937_64 rng(7 + n);
    std::normal_distribution<double> g;
    Matrix K(n, d);
    for (Index i = 0; i < n; ++i) for (Index j = 0; j < d; ++j) K(i, j) = g(rng);
    Vector v(d), out(n), norms(n);
    for (Index j = 0; j < d; ++j) v[j] = g(rng);
    const char* names[] = {"gemv", "plain_dot8", "norms_dot4", "norms_R6", "norms_R8", "norms_R4x", "dot8_then_norms64", "dot8_then_norms256"};
    const int kinds = 8;
    std::vector<std::vector<double>> t(kinds);
    double sink = 0;
    for (int rep = 0; rep < reps; ++rep)
      for (int k = 0; k < kinds; ++k) {
        v[rep % d] += 1e-3;
        auto t0 = std::chrono::steady_clock::now();
        switch (k) {
          case 0: out.noalias() = K * v; break;
          case 1: key_dots(K, 0, n, n, v.data(), out.data(), nullptr, false); break;
          case 2: key_dots(K, 0, n, n, v.data(), out.data(), norms.data(), false); break;
          case 3: dots6n(K.data(), n, d, v.data(), out.data(), norms.data()); break;
          case 4: dots8n(K.data(), n, d, v.data(), out.data(), norms.data()); break;
          case 5: dotsR_norms<4>(K.data(), n, d, v.data(), out.data(), norms.data()); break;
          case 6: dots_then_norms(K, v.data(), out.data(), norms.data(), 64); break;
          case 7: dots_then_norms(K, v.data(), out.data(), norms.data(), 256); break;
        }
        t[k].push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        sink += out[rep % n] + norms[rep % n];
      }
    std::vector<double> med(kinds);
    for (int k = 0; k < kinds; ++k) { auto s = t[k]; std::nth_element(s.begin(), s.begin() + s.size() / 2, s.end()); med[k] = s[s.size() / 2]; }
    const double ref = std::min(med[0], med[1]);
    std::printf("n=%6ld", (long)n);
    for (int k = 0; k < kinds; ++k) std::printf("  %s %.1f (%.2f)", names[k], med[k], med[k] / ref);
    std::printf("  [sink %g]\n", sink * 0);
  }
}
