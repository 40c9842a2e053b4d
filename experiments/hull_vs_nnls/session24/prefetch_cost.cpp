// Session 24: cost of software prefetching in a one-vector pass over keys that the cache holds or not.
// Variants of key_dots's loop (solvers/key_dots.cpp): no prefetch, the per-line prefetch loop, the same unrolled
// by 8; with and without the norms; eight rows at a time (dot8: plain, prefetching, with the norms);
// Eigen's gemv as the peer. 300 interleaved passes over random keys.
// Build: g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I/usr/include/eigen3 prefetch_cost.cpp -o prefetch_cost
// Run:   taskset -c 1 ./prefetch_cost N
#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <algorithm>
#include <vector>
using Index = long; using Matrix = Eigen::Matrix<double,-1,-1,Eigen::RowMajor>; using Vector = Eigen::VectorXd;
template <bool kNorms>
__attribute__((noinline)) void dot4(const double* r0, const double* r1, const double* r2, const double* r3, const double* v, Index d, double* dots, double* norms2) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, n0, n1, n2, n3)
  for (Index j = 0; j < d; ++j) {
    const double vj = v[j];
    s0 = std::fma(r0[j], vj, s0); s1 = std::fma(r1[j], vj, s1); s2 = std::fma(r2[j], vj, s2); s3 = std::fma(r3[j], vj, s3);
    if constexpr (kNorms) { n0 = std::fma(r0[j], r0[j], n0); n1 = std::fma(r1[j], r1[j], n1); n2 = std::fma(r2[j], r2[j], n2); n3 = std::fma(r3[j], r3[j], n3); }
  }
  dots[0]=s0;dots[1]=s1;dots[2]=s2;dots[3]=s3;
  if constexpr (kNorms) { norms2[0]=n0;norms2[1]=n1;norms2[2]=n2;norms2[3]=n3; }
}
__attribute__((noinline)) void dot8(const double* r0, Index stride, const double* v, Index d, double* dots) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  const double *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride, *r4 = r3 + stride, *r5 = r4 + stride, *r6 = r5 + stride, *r7 = r6 + stride;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
  for (Index j = 0; j < d; ++j) {
    const double vj = v[j];
    s0 = std::fma(r0[j], vj, s0); s1 = std::fma(r1[j], vj, s1); s2 = std::fma(r2[j], vj, s2); s3 = std::fma(r3[j], vj, s3);
    s4 = std::fma(r4[j], vj, s4); s5 = std::fma(r5[j], vj, s5); s6 = std::fma(r6[j], vj, s6); s7 = std::fma(r7[j], vj, s7);
  }
  dots[0]=s0;dots[1]=s1;dots[2]=s2;dots[3]=s3;dots[4]=s4;dots[5]=s5;dots[6]=s6;dots[7]=s7;
}
__attribute__((noinline)) void dot8n(const double* r0, Index stride, const double* v, Index d, double* dots, double* nn) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  double n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
  const double *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride, *r4 = r3 + stride, *r5 = r4 + stride, *r6 = r5 + stride, *r7 = r6 + stride;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7, n0, n1, n2, n3, n4, n5, n6, n7)
  for (Index j = 0; j < d; ++j) {
    const double vj = v[j];
    s0 = std::fma(r0[j], vj, s0); s1 = std::fma(r1[j], vj, s1); s2 = std::fma(r2[j], vj, s2); s3 = std::fma(r3[j], vj, s3);
    s4 = std::fma(r4[j], vj, s4); s5 = std::fma(r5[j], vj, s5); s6 = std::fma(r6[j], vj, s6); s7 = std::fma(r7[j], vj, s7);
    n0 = std::fma(r0[j], r0[j], n0); n1 = std::fma(r1[j], r1[j], n1); n2 = std::fma(r2[j], r2[j], n2); n3 = std::fma(r3[j], r3[j], n3);
    n4 = std::fma(r4[j], r4[j], n4); n5 = std::fma(r5[j], r5[j], n5); n6 = std::fma(r6[j], r6[j], n6); n7 = std::fma(r7[j], r7[j], n7);
  }
  dots[0]=s0;dots[1]=s1;dots[2]=s2;dots[3]=s3;dots[4]=s4;dots[5]=s5;dots[6]=s6;dots[7]=s7;
  nn[0]=n0;nn[1]=n1;nn[2]=n2;nn[3]=n3;nn[4]=n4;nn[5]=n5;nn[6]=n6;nn[7]=n7;
}
void pass8n(const Matrix& K, const double* v, double* out, double* nn) {
  const Index d = K.cols(), stride = d, n = K.rows(); const double* base = K.data();
  for (Index i = 0; i + 8 <= n; i += 8) dot8n(base + i * stride, stride, v, d, out + i, nn + i);
  for (Index t = 0; t < n; ++t) nn[t] = std::sqrt(nn[t]);
}
void pass8(const Matrix& K, const double* v, double* out, int mode) {
  const Index d = K.cols(), stride = d, n = K.rows(); const double* base = K.data();
  for (Index i = 0; i + 8 <= n; i += 8) {
    const double* r0 = base + i * stride;
    if (mode == 1) for (Index c = 0; c < 8 * stride; c += 8) __builtin_prefetch(r0 + 32 * stride + c);
    dot8(r0, stride, v, d, out + i);
  }
}
// mode 0 no prefetch, 1 per-line loop (current), 2 unrolled x8
template <bool kNorms>
void pass(const Matrix& K, const double* v, double* out, double* norms, int mode) {
  const Index d = K.cols(), stride = d, n = K.rows(); const double* base = K.data();
  for (Index i = 0; i + 4 <= n; i += 4) {
    const double* r0 = base + i * stride;
    if (mode == 1) for (Index c = 0; c < 4 * stride; c += 8) __builtin_prefetch(r0 + 32 * stride + c);
    if (mode == 2) { const double* p = r0 + 32 * stride; for (Index c = 0; c < 4 * stride; c += 64) {
      __builtin_prefetch(p + c); __builtin_prefetch(p + c + 8); __builtin_prefetch(p + c + 16); __builtin_prefetch(p + c + 24);
      __builtin_prefetch(p + c + 32); __builtin_prefetch(p + c + 40); __builtin_prefetch(p + c + 48); __builtin_prefetch(p + c + 56);} }
    dot4<kNorms>(r0, r0 + stride, r0 + 2 * stride, r0 + 3 * stride, v, d, out + i, kNorms ? norms + i : nullptr);
  }
  if (kNorms) { for (Index t = 0; t < n; ++t) norms[t] = std::sqrt(norms[t]); }
}
int main(int argc, char** argv) {
  const Index n = std::atol(argv[1]), d = 128;
  Matrix K = Matrix::Random(n, d); Vector v = Vector::Random(d), out(n), nr(n);
  std::vector<double> t[10];
  using clk = std::chrono::steady_clock;
  for (int it = 0; it < 300; ++it) {
    for (int m = 0; m < 3; ++m) { auto a = clk::now(); pass<true>(K, v.data(), out.data(), nr.data(), m); t[m].push_back(std::chrono::duration<double, std::micro>(clk::now()-a).count()); }
    for (int m = 0; m < 3; ++m) { auto a = clk::now(); pass<false>(K, v.data(), out.data(), nr.data(), m); t[3+m].push_back(std::chrono::duration<double, std::micro>(clk::now()-a).count()); }
    for (int m = 0; m < 2; ++m) { auto a = clk::now(); pass8(K, v.data(), out.data(), m); t[7+m].push_back(std::chrono::duration<double, std::micro>(clk::now()-a).count()); }
    { auto a = clk::now(); pass8n(K, v.data(), out.data(), nr.data()); t[9].push_back(std::chrono::duration<double, std::micro>(clk::now()-a).count()); }
    auto a = clk::now(); out.noalias() = K * v; t[6].push_back(std::chrono::duration<double, std::micro>(clk::now()-a).count());
  }
  const char* names[10] = {"norms nopf", "norms pf", "norms pf8", "dots nopf", "dots pf", "dots pf8", "gemv", "dot8 nopf", "dot8 pf", "dot8 norms"};
  for (int m = 0; m < 10; ++m) { std::sort(t[m].begin(), t[m].end()); std::printf("n %ld %-10s median %7.1f min %7.1f\n", n, names[m], t[m][150], t[m][0]); }
}
