// Session 27: how far ahead, and into which cache level, should key_dots_of_rows prefetch the scattered
// rows it reads? The candidate pool's first pricing (a sorted 1/8 of the keys, read right after pass 1
// has streamed every key) took ~45 us of a planted n = 4096 single solve and ~200 us at n = 16384 on a
// Xeon model 207 host: ~10 GB/s, a sixth of what the sequential pass gets from the same cache.
//
// Self-contained (the library's dot4 is internal): the same four-row kernel and prefetch loop as
// src/solvers/key_dots.cpp, with the prefetch distance (rows ahead) and locality as parameters.
// Each measurement: one sequential read of all the keys (the cache state after pass 1), then the timed
// gather; the median of `reps` such measurements. Reference: the sequential pass over all keys (us).
//
// Build: g++ -std=c++20 -O3 -march=x86-64-v3 -ffp-contract=off -fopenmp-simd gather_prefetch.cpp -o gp
// Run:   taskset -c 3 ./gp [reps]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void dot4(const double* r0, const double* r1, const double* r2, const double* r3, const double* v, long d,
          double* dots) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
  for (long j = 0; j < d; ++j) {
    s0 = std::fma(r0[j], v[j], s0);
    s1 = std::fma(r1[j], v[j], s1);
    s2 = std::fma(r2[j], v[j], s2);
    s3 = std::fma(r3[j], v[j], s3);
  }
  dots[0] = s0;
  dots[1] = s1;
  dots[2] = s2;
  dots[3] = s3;
}

template <int kLocality>
void gather(const double* base, long d, const long* rows, std::size_t count, const double* v, double* out,
            std::size_t ahead) {
  std::size_t s = 0;
  for (; s + 4 <= count; s += 4) {
    if (ahead > 0)
      for (std::size_t a = s + ahead; a < std::min(count, s + ahead + 4); ++a)
        for (long c = 0; c < d; c += 8) __builtin_prefetch(base + rows[a] * d + c, 0, kLocality);
    double dots[4];
    dot4(base + rows[s] * d, base + rows[s + 1] * d, base + rows[s + 2] * d, base + rows[s + 3] * d, v, d, dots);
    for (std::size_t t = 0; t < 4; ++t) out[rows[s + t]] = dots[t];
  }
}

double sweep(const std::vector<double>& keys, long n, long d, const double* v, double* out) {
  double sink = 0;
  for (long i = 0; i + 4 <= n; i += 4) {
    double dots[4];
    const double* r = keys.data() + i * d;
    dot4(r, r + d, r + 2 * d, r + 3 * d, v, d, dots);
    out[i] = dots[0] + dots[1] + dots[2] + dots[3];
    sink += out[i];
  }
  return sink;
}

double median(std::vector<double> x) {
  std::nth_element(x.begin(), x.begin() + x.size() / 2, x.end());
  return x[x.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 41;
  const long d = 128;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  double sink = 0;
  for (long n : {4096L, 16384L, 131072L}) {
    std::vector<double> keys(static_cast<std::size_t>(n * d)), v(d), out(static_cast<std::size_t>(n));
    for (double& x : keys) x = normal(rng);
    for (double& x : v) x = normal(rng);
    std::vector<long> rows;  // a sorted random eighth of the keys (the pool's size and order)
    for (long i = 0; i < n; ++i)
      if (rng() % 8 == 0) rows.push_back(i);
    std::vector<double> pass_times;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = Clock::now();
      sink += sweep(keys, n, d, v.data(), out.data());
      pass_times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    std::printf("n=%ld pool=%zu pass %.1f us\n", n, rows.size(), median(pass_times));
    auto measure = [&](auto gather_fn, std::size_t ahead) {
      std::vector<double> t;
      for (int r = 0; r < reps; ++r) {
        sink += sweep(keys, n, d, v.data(), out.data());
        const auto t0 = Clock::now();
        gather_fn(keys.data(), d, rows.data(), rows.size(), v.data(), out.data(), ahead);
        t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        sink += out[static_cast<std::size_t>(rows[0])];
      }
      return median(t);
    };
    for (std::size_t ahead : {0, 4, 8, 12, 16, 24, 32, 48}) {
      const double t3 = measure(gather<3>, ahead), t2 = measure(gather<2>, ahead), t1 = measure(gather<1>, ahead),
                   t0 = measure(gather<0>, ahead);
      std::printf("  ahead %2zu rows: T0 %8.1f  T1 %8.1f  T2 %8.1f  NTA %8.1f us\n", ahead, t3, t2, t1, t0);
    }
    std::fflush(stdout);
  }
  std::printf("(sink %g)\n", sink);
}
