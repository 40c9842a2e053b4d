// Benchmark of the exact certified hull projection (solvers/hull_projection.hpp) at d = 128.
//
// Instances ("planted"): Gaussian keys N(0, I); 32 orthonormal directions u_j, one per query. In the
// coordinate along u_j, a planted face F_j of 10..40 keys sits at c = 2.5; every other key is pushed to
// at most c - 0.05 (reflected below if it was above). Then q_j = x*_j + t u_j, x*_j a random convex
// combination of F_j, t = 2, so x*_j is the projection and F_j its face (lambda_i = t (c - <k_i, u_j>)).
// Instances ("far"): plain Gaussian keys, q = 6 * (Gaussian direction of norm sqrt(d)): q far outside.
//
// The results are written into HullProjection objects reused across iterations (the storage-reusing
// overloads), as a loop over decoding steps would: no n-sized allocation per query.
// Reported per benchmark (median of the repetitions): real_time per iteration = the 32 queries solved
// one by one (single solves) or as one batch, with the pass samples below (so real_time includes
// them: read us_per_query); every iteration covers every query (the faces differ in size); counters
//   us_per_query  time per query (batch time / 32 for the batch; BM_HullGroup: 32 queries as batches of
//                 `group`, total time / 32)
//   pass_us       one pass K * r over the same keys, timed between the solves of the same loop (one gemv
//                 and one key_dots pass after every solve, the median of those samples), so that the pass
//                 and the solves see the same machine state on a host whose speed drifts: the faster of Eigen's gemv
//                 (pass_gemv_us) and the library's own prefetching pass solvers/key_dots.hpp
//                 (pass_dots_us; on keys that stream from memory it beats the gemv, and the projection's
//                 passes use it, so the gemv alone would flatter the ratio)
//   ratio         us_per_query / pass_us (target <= 3)
//   key_passes    mean full passes over K per query (pass 1 + pricing passes)
//   copy_passes   (BM_HullSingleStreamCopy) mean passes over the stream's 16-bit copy instead of K
//   certified     fraction of queries certified
//   majors        mean Wolfe major cycles per query (all working sets together)
//   face          mean size of the reported face
//   norms_us      (BM_HullSingleStreamNorms) computing the key norms of the stream once (KeyNorms), which
//                 that benchmark leaves out of the per-query time as a decoding loop would
//   copy_us       (BM_HullSingleStreamCopy) building the stream's 16-bit copy of the keys once (QuantizedKeys,
//                 from the norms), left out of the per-query time like the norms; the solves' pass 1 and full
//                 pricing passes read the copy
//   screened_passes  mean pricing passes over the candidate pool / screening survivors only (each reads
//                 `screening_fraction` = 1/8 of the keys, scattered rows)
// Repetitions come from the command line; the figures in docs/benchmarks.md ("Exact projection") used
//   OMP_NUM_THREADS=1 bench_hull_projection --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "solvers/hull_projection.hpp"
#include "solvers/key_dots.hpp"
#include "solvers/key_norms.hpp"
#include "hull_instances.hpp"

#include <benchmark/benchmark.h>

#include <Eigen/QR>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

using namespace vashista;
using namespace vashista::bench;

namespace {

const Instance& instance(bool planted, Index n) {
  static std::vector<std::pair<std::pair<bool, Index>, Instance>> cache;
  for (const auto& entry : cache)
    if (entry.first == std::make_pair(planted, n)) return entry.second;
  cache.emplace_back(std::make_pair(planted, n), planted ? make_planted(n, 11 + static_cast<std::uint64_t>(n))
                                                         : make_far(n, 17 + static_cast<std::uint64_t>(n)));
  return cache.back().second;
}

struct PassTimes {
  double gemv_us = 0, dots_us = 0;
  double best() const { return std::min(gemv_us, dots_us); }
};

/// One pass K * r over the keys timed after every measured solve (Eigen's gemv and key_pass_dots, one
/// sample each), so that the passes and the solves interleave in time: a drift of the host's speed
/// during a benchmark then moves both, not the ratio (measured once before the solves, the same
/// n = 16384 pass read 546 us in one benchmark and 930 us in the next).
class PassSampler {
 public:
  explicit PassSampler(const Matrix& keys) : keys_(keys), r_(Vector::Ones(keys.cols())), out_(keys.rows()) {}

  // An untimed ascending pass first: a single solve's pricing pass over keys of at most 8 MiB runs
  // descending and ends on the first rows, which a timed pass right after it would find in cache
  // (docs/benchmarks.md, "Session 15" and "Session 29"). The solve after the samples follows an
  // ascending pass either way.
  void sample() {
    key_pass_dots(keys_, r_, out_);
    benchmark::DoNotOptimize(out_.data());
    gemv_.push_back(time_us([&] { out_.noalias() = keys_ * r_; }));
    dots_.push_back(time_us([&] { key_pass_dots(keys_, r_, out_); }));
  }

  /// Medians of the samples.
  PassTimes median() const { return {median_of(gemv_), median_of(dots_)}; }

 private:
  template <class Pass>
  double time_us(Pass pass) {
    const auto start = std::chrono::steady_clock::now();
    pass();
    benchmark::DoNotOptimize(out_.data());
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  }
  static double median_of(std::vector<double> values) {
    if (values.empty()) return kNaN;
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
  }

  const Matrix& keys_;
  Vector r_, out_;
  std::vector<double> gemv_, dots_;
};

struct Tally {
  double queries = 0, passes = 0, copy_passes = 0, certified = 0, screened = 0, majors = 0, face = 0;
  void add(const HullProjection& h) {
    queries += 1;
    passes += h.key_passes;
    copy_passes += h.copy_passes;
    screened += h.screened_passes;
    certified += h.status == HullStatus::certified ? 1 : 0;
    majors += h.major_iterations;
    face += static_cast<double>(h.face.size());
  }
};

void report(benchmark::State& state, double total_us, const Tally& tally, const PassTimes& pass) {
  const double queries = tally.queries;
  const double per_query = total_us / queries;
  state.counters["us_per_query"] = per_query;
  state.counters["pass_us"] = pass.best();
  state.counters["pass_gemv_us"] = pass.gemv_us;
  state.counters["pass_dots_us"] = pass.dots_us;
  state.counters["ratio"] = per_query / pass.best();
  state.counters["key_passes"] = tally.passes / queries;
  if (tally.copy_passes > 0) state.counters["copy_passes"] = tally.copy_passes / queries;
  state.counters["certified"] = tally.certified / queries;
  state.counters["screened_passes"] = tally.screened / queries;
  state.counters["majors"] = tally.majors / queries;
  state.counters["face"] = tally.face / queries;
}

void BM_OnePass(benchmark::State& state) {
  const Instance& inst = instance(state.range(1) != 0, state.range(0));
  Vector r = inst.queries.row(0).transpose();
  Vector out(inst.keys.rows());
  for (auto _ : state) {
    out.noalias() = inst.keys * r;
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_OnePassDots(benchmark::State& state) {
  const Instance& inst = instance(state.range(1) != 0, state.range(0));
  Vector r = inst.queries.row(0).transpose();
  Vector out(inst.keys.rows());
  for (auto _ : state) {
    key_pass_dots(inst.keys, r, out);
    benchmark::DoNotOptimize(out.data());
  }
}

/// The measured loop of the single-solve benchmarks: every iteration solves the 32 queries one by one
/// with `solve(j, h)` into one reused result, each followed by a pass sample.
template <class Solve>
void run_single_solves(benchmark::State& state, const Instance& inst, Solve solve) {
  PassSampler passes(inst.keys);
  double total_us = 0;
  Tally tally;
  HullProjection h;  // reused, as a decoding loop would (no n-sized allocation per query)
  for (auto _ : state) {
    for (Index j = 0; j < kQueries; ++j) {
      const auto start = std::chrono::steady_clock::now();
      solve(j, h);
      total_us += std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
      benchmark::DoNotOptimize(h.x.data());
      tally.add(h);
      passes.sample();
    }
  }
  report(state, total_us, tally, passes.median());
}

void BM_HullSingle(benchmark::State& state) {
  const Instance& inst = instance(state.range(1) != 0, state.range(0));
  run_single_solves(state, inst, [&](Index j, HullProjection& h) {
    project_onto_hull(inst.keys, inst.queries.row(j).transpose(), HullOptions{}, h);
  });
}

// The single solve with the stream's key norms computed once before the loop (solvers/key_norms.hpp), as
// a decoding loop keeps them with its keys; norms_us reports what computing them for all keys costs.
void BM_HullSingleStreamNorms(benchmark::State& state) {
  const Instance& inst = instance(state.range(1) != 0, state.range(0));
  std::vector<double> norm_times;
  KeyNorms norms;
  for (int rep = 0; rep < 5; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    norms = KeyNorms(inst.keys);
    norm_times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(norm_times.begin(), norm_times.begin() + 2, norm_times.end());
  run_single_solves(state, inst, [&](Index j, HullProjection& h) {
    project_onto_hull(inst.keys, norms, inst.queries.row(j).transpose(), HullOptions{}, h);
  });
  state.counters["norms_us"] = norm_times[2];
}

// The single solve with the stream's key norms and 16-bit copy of the keys built once before the loop
// (solvers/quantized_keys.hpp), as a decoding loop keeps them with its keys: full pricing passes read the
// copy. copy_us reports what building the copy (from the norms) costs for all keys.
void BM_HullSingleStreamCopy(benchmark::State& state) {
  const Instance& inst = instance(state.range(1) != 0, state.range(0));
  const KeyNorms norms(inst.keys);
  std::vector<double> copy_times;
  QuantizedKeys copy;
  for (int rep = 0; rep < 5; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    copy = QuantizedKeys(inst.keys, norms);
    copy_times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(copy_times.begin(), copy_times.begin() + 2, copy_times.end());
  run_single_solves(state, inst, [&](Index j, HullProjection& h) {
    project_onto_hull(inst.keys, norms, copy, inst.queries.row(j).transpose(), HullOptions{}, h);
  });
  state.counters["copy_us"] = copy_times[2];
}

/// The measured loop of the batch benchmarks: every iteration solves the 32 queries as 32 / group
/// batches of `group` consecutive queries (project_onto_hull_batch, results reused), then takes one pass
/// sample per query.
void run_batches(benchmark::State& state, const Instance& inst, Index group) {
  PassSampler passes(inst.keys);
  double total_us = 0;
  Tally tally;
  std::vector<HullProjection> hs;  // reused
  for (auto _ : state) {
    for (Index first = 0; first < kQueries; first += group) {
      const auto start = std::chrono::steady_clock::now();
      project_onto_hull_batch(inst.keys, inst.queries.middleRows(first, group), {}, HullOptions{}, hs);
      total_us += std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
      for (const auto& h : hs) tally.add(h);
      benchmark::DoNotOptimize(hs.data());
    }
    for (Index t = 0; t < kQueries; ++t) passes.sample();  // as many samples as the single solves take
  }
  report(state, total_us, tally, passes.median());
}

void BM_HullBatch(benchmark::State& state) {
  run_batches(state, instance(state.range(1) != 0, state.range(0)), kQueries);
}

// Small batches: the query heads of one grouped-query-attention group share a KV head, so one decode
// step brings `group` queries (2-8 in current models) against the same keys.
void BM_HullGroup(benchmark::State& state) {
  run_batches(state, instance(state.range(1) != 0, state.range(0)), state.range(2));
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int planted : {1, 0})
    for (Index n : {4096, 16384, 131072}) b->Args({n, planted});
  b->ArgNames({"n", "planted"});
  b->Unit(benchmark::kMicrosecond);
}

void group_sizes(benchmark::internal::Benchmark* b) {
  for (int planted : {1, 0})
    for (Index n : {4096, 16384, 131072})
      for (Index group : {2, 4, 8}) b->Args({n, planted, group});
  b->ArgNames({"n", "planted", "group"});
  b->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_OnePass)->Apply(sizes);
BENCHMARK(BM_OnePassDots)->Apply(sizes);
BENCHMARK(BM_HullSingle)->Apply(sizes);
BENCHMARK(BM_HullSingleStreamNorms)->Apply(sizes);
BENCHMARK(BM_HullSingleStreamCopy)->Apply(sizes);
BENCHMARK(BM_HullBatch)->Apply(sizes);
BENCHMARK(BM_HullGroup)->Apply(group_sizes);
BENCHMARK_MAIN();
