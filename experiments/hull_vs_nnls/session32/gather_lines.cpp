// Session 32 probe: how should the scattered rows of the candidate pool be prefetched?
// The pool's rows (1/8 of the keys, sorted indices) cost 1.6-2.4x a streamed row on the GPU hosts' Xeons
// (session 30). key_dots_of_rows prefetches every cache line of the rows 8-11 ahead; on Intel cores each
// software prefetch takes an L1 fill buffer, while the L2 streamer, which fills a streamed pass, does not.
// Variants prefetch only the first line(s) of a row (the L2 streamer may then fetch the rest of the row),
// or at other distances, or nothing. Each timed gather follows an untimed ascending pass over all keys
// (as the pool pricing follows pass 1). Prints ns per gathered row, the streamed pass's ns per row, and
// checks that every variant forms the same sums.
//
// Build: g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fopenmp -I src -I/usr/include/eigen3 \
//   experiments/hull_vs_nnls/session32/gather_lines.cpp src/solvers/key_dots.cpp src/core/*.cpp -lfmt -o gl
// Run:   ./gl N ROUNDS   (pinned: taskset -c 3 ./gl 16384 41)
#include "solvers/key_dots.hpp"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using vashista::Index;
using vashista::Matrix;
using vashista::Vector;

namespace {

// Four rows' dot products, as dot4<false> of key_dots.cpp.
inline void dot4(const double* r0, const double* r1, const double* r2, const double* r3, const double* v, Index d,
                 double* dots) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
  for (Index j = 0; j < d; ++j) {
    const double vj = v[j];
    s0 = std::fma(r0[j], vj, s0);
    s1 = std::fma(r1[j], vj, s1);
    s2 = std::fma(r2[j], vj, s2);
    s3 = std::fma(r3[j], vj, s3);
  }
  dots[0] = s0;
  dots[1] = s1;
  dots[2] = s2;
  dots[3] = s3;
}

// lines: how many of a row's first cache lines to prefetch (d / 8 = all); ahead: rows ahead; hint: 0 = T0,
// 1 = T1 (L2); lines == 0: no prefetch.
template <int kHint>
void gather(const Matrix& keys, const std::vector<Index>& rows, const double* v, double* out, Index lines,
            std::size_t ahead) {
  const Index d = keys.cols();
  const Index stride = keys.outerStride();
  const double* base = keys.data();
  const std::size_t count = rows.size();
  std::size_t s = 0;
  for (; s + 4 <= count; s += 4) {
    if (lines > 0)
      for (std::size_t a = s + ahead; a < std::min(count, s + ahead + 4); ++a)
        for (Index c = 0; c < lines * 8; c += 8)
          _mm_prefetch(reinterpret_cast<const char*>(base + rows[a] * stride + c), kHint == 0 ? _MM_HINT_T0 : _MM_HINT_T1);
    double dots[4];
    dot4(base + rows[s] * stride, base + rows[s + 1] * stride, base + rows[s + 2] * stride, base + rows[s + 3] * stride,
         v, d, dots);
    for (std::size_t t = 0; t < 4; ++t) out[rows[s + t]] = dots[t];
  }
  for (; s < count; ++s) {
    double acc = 0;
    for (Index j = 0; j < d; ++j) acc = std::fma(base[rows[s] * stride + j], v[j], acc);
    out[rows[s]] = acc;
  }
}

struct Variant {
  std::string name;
  int kind;  // 0 library, 1 T0, 2 T1
  Index lines;
  std::size_t ahead;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Index n = argc > 1 ? std::atol(argv[1]) : 16384;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 21;
  const Index d = 128;
  std::mt19937_64 rng(32);
  std::normal_distribution<double> normal;
  Matrix keys(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) keys(i, j) = normal(rng);
  Vector v(d), w(d);
  for (Index j = 0; j < d; ++j) {
    v[j] = normal(rng);
    w[j] = normal(rng);
  }
  std::vector<Index> rows;  // 1/8 of the keys, uniformly, sorted (a pool of random data)
  std::bernoulli_distribution pick(0.125);
  for (Index i = 0; i < n; ++i)
    if (pick(rng)) rows.push_back(i);
  const std::vector<Variant> variants = {
      {"library (all lines, 8-11 ahead)", 0, 16, 8}, {"none", 1, 0, 8},          {"T0 lines 0-1, 8 ahead", 1, 2, 8},
      {"T0 line 0, 8 ahead", 1, 1, 8},               {"T0 lines 0-1, 16 ahead", 1, 2, 16},
      {"T0 lines 0-3, 8 ahead", 1, 4, 8},            {"T1 all lines, 8 ahead", 2, 16, 8},
      {"T1 lines 0-1, 16 ahead", 2, 2, 16},          {"T0 all lines, 4 ahead", 1, 16, 4},
      {"T0 lines 0-1, 32 ahead", 1, 2, 32}};
  std::vector<std::vector<double>> times(variants.size() + 1);
  Vector out(n), ref(n), scratch(n);
  vashista::key_pass_dots(keys, w, ref);  // warm-up
  for (int round = 0; round < rounds; ++round) {
    // the streamed pass (after an untimed one)
    vashista::key_pass_dots(keys, w, scratch);
    auto t0 = std::chrono::steady_clock::now();
    vashista::key_pass_dots(keys, v, ref);
    times[variants.size()].push_back(seconds_since(t0) / static_cast<double>(n));
    for (std::size_t k = 0; k < variants.size(); ++k) {
      const Variant& var = variants[k];
      vashista::key_pass_dots(keys, w, scratch);  // untimed ascending pass first, as pass 1
      out.setZero();
      t0 = std::chrono::steady_clock::now();
      if (var.kind == 0)
        vashista::key_dots_of_rows(keys, rows.data(), rows.size(), v.data(), out.data());
      else if (var.kind == 1)
        gather<0>(keys, rows, v.data(), out.data(), var.lines, var.ahead);
      else
        gather<1>(keys, rows, v.data(), out.data(), var.lines, var.ahead);
      times[k].push_back(seconds_since(t0) / static_cast<double>(rows.size()));
      for (Index i : rows)
        if (std::abs(out[i] - ref[i]) > 1e-9 * (1 + std::abs(ref[i]))) {
          std::fprintf(stderr, "variant %s: row %ld differs\n", var.name.c_str(), static_cast<long>(i));
          return 1;
        }
    }
  }
  auto median = [](std::vector<double> x) {
    std::sort(x.begin(), x.end());
    return x[x.size() / 2];
  };
  const double streamed = median(times[variants.size()]);
  std::printf("n = %ld, %zu gathered rows, %d rounds; streamed pass %.2f ns/row (%.1f us)\n", static_cast<long>(n),
              rows.size(), rounds, streamed * 1e9, streamed * 1e6 * static_cast<double>(n));
  for (std::size_t k = 0; k < variants.size(); ++k) {
    const double t = median(times[k]);
    std::printf("%-34s %7.2f ns/row  %5.2fx streamed  gather = %.3f pass\n", variants[k].name.c_str(), t * 1e9,
                t / streamed, t * static_cast<double>(rows.size()) / (streamed * static_cast<double>(n)));
  }
  return 0;
}
