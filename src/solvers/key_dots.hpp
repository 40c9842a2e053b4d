#pragma once
// Dot products of the keys with one vector: the kernels of the passes over K of the exact hull projection
// (solvers/hull_projection.cpp) and the streaming peer of the projection's benchmark.
//
// Keys are the rows k_i of a row-major n x d matrix. Each kernel reads a row once and forms four or eight
// rows' dot products at a time with independent accumulators (which the compiler may vectorise), so every
// sum is computed in some order: the rounding bound |fl(<k_i, v>) - <k_i, v>| <= gamma_d ||k_i|| ||v||
// of docs/theory.md (section 3, numerics) holds for any order, and with fused multiply-adds (used where
// the instruction set has FMA: one rounding per step instead of two).
#include "core/conventions.hpp"

#include <chrono>
#include <cstddef>
#include <vector>

namespace vashista {

/// Rows [start, start + len): out[i] = <k_i, v> for start <= i < start + stop (stop <= len), and with
/// `norms` non-null also norms[i] = ||k_i|| for every row of the range (each row read once). Indices of
/// out and norms are relative to `start`. prefetch: rows ahead are prefetched in software (see
/// keys_stream_from_memory).
void key_dots(const Eigen::Ref<const Matrix>& keys, Index start, Index len, Index stop, const double* v, double* out,
              double* norms, bool prefetch);

/// out[rows[s]] = <k_{rows[s]}, v> for s < count (scattered rows, e.g. a candidate pool), and with w non-null
/// also out_w[rows[s]] = <k_{rows[s]}, w> (each row gathered once for both).
void key_dots_of_rows(const Eigen::Ref<const Matrix>& keys, const Index* rows, std::size_t count, const double* v,
                      double* out, const double* w = nullptr, double* out_w = nullptr);

/// Vectors of a many-vector pass (key_dots_many), interleaved by groups of kInterleave: group g holds
/// w[kInterleave j + c] = v_{kInterleave g + c}[j] for j < d, zeros where the vectors run out.
constexpr Index kInterleave = 8;
void interleave_vectors(const Eigen::Ref<const Eigen::MatrixXd>& vectors, std::vector<double>& interleaved);

/// Rows [start, start + len) against `count` vectors at once (interleaved by interleave_vectors):
/// out[c * out_stride + i] = <k_{start + i}, v_c> for i < len and c < count rounded up to a multiple of
/// kInterleave (the padding columns receive zeros' products). Each row is read once per kInterleave
/// vectors, with no copy of the keys (a GEMM packs each block of keys first).
void key_dots_many(const Eigen::Ref<const Matrix>& keys, Index start, Index len, const double* interleaved,
                   Index count, double* out, Index out_stride);

/// True when the first `rows` keys are too large to stay in cache between passes (more than 8 MiB): the
/// passes of a batch's tail (one query left) then prefetch (one-vector passes: plan_pass_prefetch). On the development box (2-core AMD
/// EPYC VM, 1 MiB L2 per core, 32 MiB L3 shared with other tenants) the prefetching pass read n = 131072,
/// d = 128 keys in 0.7x the time of an Eigen gemv pass (5.8 vs 8.2 ms) and 16 MiB of keys in 0.4x when
/// the L3 did not hold them (320 vs 812 us) but 1.1x when it did (290 vs 260 us); on keys that fit in L2
/// the prefetch instructions only cost time. (sysconf(_SC_LEVEL3_CACHE_SIZE) is no guide: it reported
/// 384 MiB there, the whole host's L3.)
bool keys_stream_from_memory(const Eigen::Ref<const Matrix>& keys, Index rows);

/// Software prefetching of a one-vector pass (key_dots over all rows). Prefetching changes the speed,
/// never a value (key_dots forms the same sums either way), so it is chosen by measurement: keys up to
/// 2 MiB never prefetch (they stay in cache); larger ones are decided per size class (the power of two
/// of their bytes, with or without the norms) on each thread, from its first passes of that class: after
/// kPrefetchWarmup passes that count for nothing (a process's first passes are slow either way: key_dots.cpp),
/// kPrefetchTrials passes each way, alternating, timed by the caller (report_pass_time); the smaller
/// minimum wins for the rest of the thread's life. A fixed threshold (keys_stream_from_memory) was wrong
/// on one of the two machines measured: prefetching made passes over 16-32 MiB of keys 1.5x faster on
/// the development box (whose L3 did not hold them) and 1.25-1.35x slower on the GPU host's CPU (whose
/// cache did); over 128 MiB it helped on both (docs/benchmarks.md, "Session 8").
struct PassPrefetch {
  bool prefetch = false;  // prefetch rows in software
  bool timed = false;     // the class is still being decided: time this pass and report it
};
PassPrefetch plan_pass_prefetch(double bytes, bool norms);
void report_pass_time(double bytes, bool norms, bool prefetch, double microseconds);
/// The calling thread's decision for one-vector passes over `bytes` of keys (with or without the norms):
/// -1 while undecided, 0 no prefetching (also for keys that never prefetch), 1 prefetching. For
/// benchmarks' reports (experiments/hull_vs_nnls/time_hull.cpp); the passes themselves ask plan_pass_prefetch.
int pass_prefetch_decision(double bytes, bool norms);

/// Bytes spanned by the first `rows` keys (rows times the row stride).
double key_bytes(const Eigen::Ref<const Matrix>& keys, Index rows);

/// One one-vector pass planned by plan_pass_prefetch: constructed right before the pass, its destructor
/// reports the pass's time while the size class is undecided.
class PlannedPass {
 public:
  PlannedPass(double bytes, bool norms);
  ~PlannedPass();
  PlannedPass(const PlannedPass&) = delete;
  PlannedPass& operator=(const PlannedPass&) = delete;
  bool prefetch() const { return plan_.prefetch; }

 private:
  double bytes_;
  bool norms_;
  PassPrefetch plan_;
  std::chrono::steady_clock::time_point start_;
};

/// One whole pass out = K v with key_dots (prefetching as plan_pass_prefetch decides): the library's own
/// pass, timed next to Eigen's gemv as the "one pass over K" of bench/bench_hull_projection.cpp.
void key_pass_dots(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& v, Eigen::Ref<Vector> out);

}  // namespace vashista
