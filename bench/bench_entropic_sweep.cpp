// Entropic hull sweep cost (docs/theory.md, section 3): 30 log-spaced eps values along one
// continuation path versus one solve at the smallest eps (which itself needs continuation).
// Target: sweep / single <= 3. d = 128, n = 4096, Gaussian keys, eps_hull in [1e-5, 1e-1].
#include "solvers/entropic_hull.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using vashista::Matrix;
using vashista::Vector;

struct Instance {
  Matrix keys;
  Vector q;
  std::vector<double> eps;
};

const Instance& instance() {
  static const Instance inst = [] {
    Instance in;
    const Eigen::Index n = 4096, d = 128;
    std::mt19937_64 rng(2024);
    std::normal_distribution<double> normal;
    in.keys.resize(n, d);
    in.q.resize(d);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index c = 0; c < d; ++c) in.keys(i, c) = normal(rng);
    for (Eigen::Index c = 0; c < d; ++c) in.q[c] = 3 * normal(rng);
    for (int j = 0; j < 30; ++j) in.eps.push_back(std::pow(10.0, -1.0 - 4.0 * j / 29.0));
    return in;
  }();
  return inst;
}

void BM_single_smallest_eps(benchmark::State& state) {
  const Instance& in = instance();
  int iterations = 0;
  for (auto _ : state) {
    const auto s = vashista::solve_entropic(in.keys, in.q, in.eps.back());
    iterations = s.iterations;
    if (s.status != vashista::EntropicStatus::converged) state.SkipWithError(s.message.c_str());
    benchmark::DoNotOptimize(s.x.data());
  }
  state.counters["newton_iterations"] = iterations;
}

void BM_sweep_30_eps(benchmark::State& state) {
  const Instance& in = instance();
  int iterations = 0;
  for (auto _ : state) {
    const auto all = vashista::solve_entropic_sweep(in.keys, in.q, in.eps);
    iterations = 0;
    for (const auto& s : all) {
      iterations += s.iterations;
      if (s.status != vashista::EntropicStatus::converged) state.SkipWithError(s.message.c_str());
    }
    benchmark::DoNotOptimize(all.data());
  }
  state.counters["newton_iterations"] = iterations;
}

BENCHMARK(BM_single_smallest_eps)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_sweep_30_eps)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
