// Built and run on the development box: g++ -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fopenmp -isystem /usr/include/eigen3 pass_kernels.cpp -o /tmp/kd && /tmp/kd
// (docs/benchmarks.md, "Session 11"; the solver's kernel is src/solvers/key_dots.cpp, this is a timing copy of its loop).
// Microbenchmark: variants of the one-vector pass kernel vs Eigen gemv (row-major K, d = 128).
#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
using M = Eigen::Matrix<double, -1, -1, Eigen::RowMajor>;
using Index = Eigen::Index;
template <int R, bool kFma>
__attribute__((noinline)) void pass(const M& K, const double* v, double* out, bool prefetch) {
  const Index n = K.rows(), d = K.cols(), stride = K.outerStride();
  const double* base = K.data();
  for (Index i = 0; i + R <= n; i += R) {
    const double* r0 = base + i * stride;
    if (prefetch) for (Index c = 0; c < R * stride; c += 8) __builtin_prefetch(r0 + 32 * stride + c);
    double s[R];
    for (int t = 0; t < R; ++t) s[t] = 0;
    if constexpr (R == 4) {
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const double *a0 = r0, *a1 = r0 + stride, *a2 = r0 + 2 * stride, *a3 = r0 + 3 * stride;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
      for (Index j = 0; j < d; ++j) {
        const double vj = v[j];
        if constexpr (kFma) { s0 = std::fma(a0[j], vj, s0); s1 = std::fma(a1[j], vj, s1); s2 = std::fma(a2[j], vj, s2); s3 = std::fma(a3[j], vj, s3); }
        else { s0 += a0[j] * vj; s1 += a1[j] * vj; s2 += a2[j] * vj; s3 += a3[j] * vj; }
      }
      s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
    } else {
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      const double *a0 = r0, *a1 = r0 + stride, *a2 = r0 + 2 * stride, *a3 = r0 + 3 * stride;
      const double *a4 = r0 + 4 * stride, *a5 = r0 + 5 * stride, *a6 = r0 + 6 * stride, *a7 = r0 + 7 * stride;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
      for (Index j = 0; j < d; ++j) {
        const double vj = v[j];
        if constexpr (kFma) { s0 = std::fma(a0[j], vj, s0); s1 = std::fma(a1[j], vj, s1); s2 = std::fma(a2[j], vj, s2); s3 = std::fma(a3[j], vj, s3);
          s4 = std::fma(a4[j], vj, s4); s5 = std::fma(a5[j], vj, s5); s6 = std::fma(a6[j], vj, s6); s7 = std::fma(a7[j], vj, s7); }
        else { s0 += a0[j] * vj; s1 += a1[j] * vj; s2 += a2[j] * vj; s3 += a3[j] * vj; s4 += a4[j] * vj; s5 += a5[j] * vj; s6 += a6[j] * vj; s7 += a7[j] * vj; }
      }
      s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3; s[4] = s4; s[5] = s5; s[6] = s6; s[7] = s7;
    }
    for (int t = 0; t < R; ++t) out[i + t] = s[t];
  }
}
int main(int argc, char** argv) {
  for (Index n : {Index(4096), Index(16384), Index(131072)}) {
    M K = M::Random(n, 128);
    Eigen::VectorXd v = Eigen::VectorXd::Random(128), out(n), ref(n);
    const int reps = n > 20000 ? 15 : 60;
    double best[9];
    std::fill(best, best + 9, 1e300);
    const char* names[9] = {"gemv", "r4", "r4 fma", "r8", "r8 fma", "r4 pf", "r4 fma pf", "r8 pf", "r8 fma pf"};
    for (int t = 0; t < reps; ++t)
      for (int k = 0; k < 9; ++k) {
        auto t0 = std::chrono::steady_clock::now();
        switch (k) {
          case 0: ref.noalias() = K * v; break;
          case 1: pass<4, false>(K, v.data(), out.data(), false); break;
          case 2: pass<4, true>(K, v.data(), out.data(), false); break;
          case 3: pass<8, false>(K, v.data(), out.data(), false); break;
          case 4: pass<8, true>(K, v.data(), out.data(), false); break;
          case 5: pass<4, false>(K, v.data(), out.data(), true); break;
          case 6: pass<4, true>(K, v.data(), out.data(), true); break;
          case 7: pass<8, false>(K, v.data(), out.data(), true); break;
          case 8: pass<8, true>(K, v.data(), out.data(), true); break;
        }
        best[k] = std::min(best[k], std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        if (k > 0 && (out - ref).cwiseAbs().maxCoeff() > 1e-9) { puts("mismatch"); return 1; }
      }
    printf("n %6ld:", (long)n);
    for (int k = 0; k < 9; ++k) printf("  %s %.1f", names[k], best[k]);
    printf("  (us, min of %d)\n", reps);
  }
}
