#include "solvers/key_dots.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace vashista {

namespace {

constexpr Index kPrefetchRows = 32;                          // rows ahead prefetched (32 KiB at d = 128)
constexpr std::size_t kStreamingBytes = std::size_t{8} << 20;  // keys larger than this stream from memory

// One step of a sum of products: fused where the instruction set has FMA (x86-64-v3 builds, which
// compile with contraction off, cmake/Arch.cmake): one rounding instead of two, inside the gamma_d bound
// of the header, and fewer instructions per key. Unfused, the v3 pass over n = 131072 keys (memory-bound)
// took 10 037 us against Eigen's gemv 8 915 us (which fuses); fused 8 813 us (development box, d = 128).
inline double multiply_add(double a, double b, double sum) {
#ifdef __FMA__
  return std::fma(a, b, sum);
#else
  return sum + a * b;
#endif
}

// Four dot products <row_t, v> (and, with kNorms, the squared row norms) with independent accumulators,
// which `omp simd` may vectorise (the sums are then formed in another order; the rounding bounds of the
// header hold for any order). A row-at-a-time loop of Eigen dot products ran at 2.5x the time of a gemv
// pass on cache-resident keys (n = 4096, d = 128): one accumulator chain is latency-bound.
template <bool kNorms>
void dot4(const double* r0, const double* r1, const double* r2, const double* r3, const double* v, Index d,
          double* dots, double* norms2) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, n0, n1, n2, n3)
  for (Index j = 0; j < d; ++j) {
    const double vj = v[j];
    s0 = multiply_add(r0[j], vj, s0);
    s1 = multiply_add(r1[j], vj, s1);
    s2 = multiply_add(r2[j], vj, s2);
    s3 = multiply_add(r3[j], vj, s3);
    if constexpr (kNorms) {
      n0 = multiply_add(r0[j], r0[j], n0);
      n1 = multiply_add(r1[j], r1[j], n1);
      n2 = multiply_add(r2[j], r2[j], n2);
      n3 = multiply_add(r3[j], r3[j], n3);
    }
  }
  dots[0] = s0;
  dots[1] = s1;
  dots[2] = s2;
  dots[3] = s3;
  if constexpr (kNorms) {
    norms2[0] = n0;
    norms2[1] = n1;
    norms2[2] = n2;
    norms2[3] = n3;
  }
}

// Six dot products <row_t, v> and the six squared row norms, rows `stride` apart (pass 1 with the norms):
// twelve accumulators, each row element loaded once for its two products. dot4<true> read the keys in
// 1.33x the time of a plain pass over n = 131072 keys at d = 128 on a GPU host's Xeon and 1.48x on the
// development box (AMD EPYC VM); this kernel 1.20x and 1.16x, alike at n <= 16384 on the Xeon (1.02-1.08x
// either) and 1.11-1.17x against 1.24-1.38x on the development box (docs/benchmarks.md, "Session 29").
// Eight rows (sixteen accumulators) spill out of the 16 vector registers of AVX2.
void dot6_norms(const double* r0, Index stride, const double* v, Index d, double* dots, double* norms2) {
  const double *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride, *r4 = r3 + stride, *r5 = r4 + stride;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, n0, n1, n2, n3, n4, n5)
  for (Index j = 0; j < d; ++j) {
    const double vj = v[j];
    const double k0 = r0[j], k1 = r1[j], k2 = r2[j], k3 = r3[j], k4 = r4[j], k5 = r5[j];
    s0 = multiply_add(k0, vj, s0);
    n0 = multiply_add(k0, k0, n0);
    s1 = multiply_add(k1, vj, s1);
    n1 = multiply_add(k1, k1, n1);
    s2 = multiply_add(k2, vj, s2);
    n2 = multiply_add(k2, k2, n2);
    s3 = multiply_add(k3, vj, s3);
    n3 = multiply_add(k3, k3, n3);
    s4 = multiply_add(k4, vj, s4);
    n4 = multiply_add(k4, k4, n4);
    s5 = multiply_add(k5, vj, s5);
    n5 = multiply_add(k5, k5, n5);
  }
  dots[0] = s0;
  dots[1] = s1;
  dots[2] = s2;
  dots[3] = s3;
  dots[4] = s4;
  dots[5] = s5;
  norms2[0] = n0;
  norms2[1] = n1;
  norms2[2] = n2;
  norms2[3] = n3;
  norms2[4] = n4;
  norms2[5] = n5;
}

// Eight dot products <row_t, v>, rows `stride` apart (the plain pass: no norms). Eight rows read side by
// side keep eight streams of cache lines in flight, which the hardware prefetcher follows: on the
// development box (AMD EPYC VM) the plain pass over n = 131072 keys (128 MiB, from memory) took 7.2 ms
// median with this kernel, as Eigen's gemv, against 9.6 ms with dot4 (8.5 prefetching), and 262 against
// 322 us at n = 16384; alike at n = 4096 (keys in L3). On the GPU host's Xeon: 3-5 % slower at n <= 16384,
// 5 % faster at 131072. With the norms, sixteen accumulators spill: dot6_norms takes those rows
// (docs/benchmarks.md, "Session 24").
void dot8(const double* r0, Index stride, const double* v, Index d, double* dots) {
  const double *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride, *r4 = r3 + stride, *r5 = r4 + stride,
               *r6 = r5 + stride, *r7 = r6 + stride;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
  for (Index j = 0; j < d; ++j) {
    const double vj = v[j];
    s0 = multiply_add(r0[j], vj, s0);
    s1 = multiply_add(r1[j], vj, s1);
    s2 = multiply_add(r2[j], vj, s2);
    s3 = multiply_add(r3[j], vj, s3);
    s4 = multiply_add(r4[j], vj, s4);
    s5 = multiply_add(r5[j], vj, s5);
    s6 = multiply_add(r6[j], vj, s6);
    s7 = multiply_add(r7[j], vj, s7);
  }
  dots[0] = s0;
  dots[1] = s1;
  dots[2] = s2;
  dots[3] = s3;
  dots[4] = s4;
  dots[5] = s5;
  dots[6] = s6;
  dots[7] = s7;
}

// Four rows against eight vectors: out[c * out_stride + t] = <row_t, v_c>, the vectors interleaved
// (w[8 j + c] = v_c[j]). Each key element is read once for the eight products (a broadcast), so a block
// in L2 is read once per eight queries instead of once per query; the 32 sums are 8 vector registers.
// Each sum runs over j in order (one fused step per j): a dot product in some order, as the header says.
void dot4x8(const double* r0, Index stride, const double* w, Index d, double* out, Index out_stride) {
  const double *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
  double a0[8] = {}, a1[8] = {}, a2[8] = {}, a3[8] = {};
  for (Index j = 0; j < d; ++j) {
    const double* wj = w + 8 * j;
    const double k0 = r0[j], k1 = r1[j], k2 = r2[j], k3 = r3[j];
#pragma omp simd
    for (int c = 0; c < 8; ++c) {
      a0[c] = multiply_add(k0, wj[c], a0[c]);
      a1[c] = multiply_add(k1, wj[c], a1[c]);
      a2[c] = multiply_add(k2, wj[c], a2[c]);
      a3[c] = multiply_add(k3, wj[c], a3[c]);
    }
  }
  for (int c = 0; c < 8; ++c) {
    double* o = out + c * out_stride;
    o[0] = a0[c];
    o[1] = a1[c];
    o[2] = a2[c];
    o[3] = a3[c];
  }
}

// One row against eight interleaved vectors (the rows left over by dot4x8).
void dot1x8(const double* r0, const double* w, Index d, double* out, Index out_stride) {
  double a0[8] = {};
  for (Index j = 0; j < d; ++j) {
    const double* wj = w + 8 * j;
    const double k0 = r0[j];
#pragma omp simd
    for (int c = 0; c < 8; ++c) a0[c] = multiply_add(k0, wj[c], a0[c]);
  }
  for (int c = 0; c < 8; ++c) out[c * out_stride] = a0[c];
}

}  // namespace

// With norms, 1.02-1.5x the time of a gemv pass (twice the arithmetic; dot6_norms, then dot4<true> for the
// rows left over).
void key_dots(const Eigen::Ref<const Matrix>& keys, Index start, Index len, Index stop, const double* v,
              double* out, double* norms, bool prefetch) {
  const Index d = keys.cols();
  const Index stride = keys.outerStride();
  const double* base = keys.data() + start * stride;
  const Index rows = norms != nullptr ? len : stop;
  Index i = 0;
  if (norms == nullptr) {  // rows == stop: every dot is stored
    for (; i + 8 <= rows; i += 8) {
      const double* r0 = base + i * stride;
      if (prefetch)
        for (Index c = 0; c < 8 * stride; c += 8) __builtin_prefetch(r0 + kPrefetchRows * stride + c);
      dot8(r0, stride, v, d, out + i);
    }
  } else {
    for (; i + 6 <= rows; i += 6) {
      const double* r0 = base + i * stride;
      if (prefetch)
        for (Index c = 0; c < 6 * stride; c += 8) __builtin_prefetch(r0 + kPrefetchRows * stride + c);
      double s[6];
      dot6_norms(r0, stride, v, d, s, norms + i);  // squared for now
      for (Index t = 0; t < 6; ++t)
        if (i + t < stop) out[i + t] = s[t];
    }
  }
  for (; i + 4 <= rows; i += 4) {
    const double* r0 = base + i * stride;
    if (prefetch)  // prefetching an address past the keys is harmless (no fault)
      for (Index c = 0; c < 4 * stride; c += 8) __builtin_prefetch(r0 + kPrefetchRows * stride + c);
    double s[4];
    if (norms != nullptr)
      dot4<true>(r0, r0 + stride, r0 + 2 * stride, r0 + 3 * stride, v, d, s, norms + i);  // squared for now
    else
      dot4<false>(r0, r0 + stride, r0 + 2 * stride, r0 + 3 * stride, v, d, s, nullptr);
    for (Index t = 0; t < 4; ++t)
      if (i + t < stop) out[i + t] = s[t];
  }
  // The squared norms become norms in one vectorised loop (four square roots per instruction): a scalar
  // square root per row, behind the row's dot products, stalled pass 1 (about a tenth of its samples in a
  // perf profile of planted n = 4096 solves).
  if (norms != nullptr) {
    double* __restrict squared = norms;
#pragma omp simd
    for (Index t = 0; t < i; ++t) squared[t] = std::sqrt(squared[t]);
  }
  for (; i < rows; ++i) {
    const Eigen::Map<const Vector> row(base + i * stride, d);
    if (i < stop) out[i] = row.dot(Eigen::Map<const Vector>(v, d));
    if (norms != nullptr) norms[i] = row.norm();
  }
}

// The first two cache lines of the rows 16 to 19 ahead are prefetched (a row is 1 KiB at d = 128, away
// from the previous one, so no hardware prefetcher sees it coming). Until session 32 every line of the
// rows 8 to 11 ahead was prefetched, and 1/8 of the keys gathered that way took 1.15 / 1.47 / 1.14x the
// time per row of a streamed pass (n = 4096 / 16384 / 131072, d = 128, GPU host's Xeon model 207),
// against 0.89 / 1.38 / 1.04x with two lines (experiments/hull_vs_nnls/session32/gather_lines.cpp); in
// planted single solves the pool's pricing and the partial passes then took 0.02 / 0.04 pass less
// (n = 4096 / 16384; docs/benchmarks.md, "Session 32"). Presumably each software prefetch holds one of
// the core's few L1 fill buffers, while the rest of a row whose first lines were requested comes through
// the L2 hardware prefetcher, which does not (not measured directly).
constexpr std::size_t kGatherRowsAhead = 16;  // the first row prefetched, counted from the row being read
constexpr Index kGatherLinesPerRow = 2;       // cache lines prefetched per row (8 doubles each)
void key_dots_of_rows(const Eigen::Ref<const Matrix>& keys, const Index* rows, std::size_t count, const double* v,
                      double* out, const double* w, double* out_w) {
  const Index d = keys.cols();
  const Index stride = keys.outerStride();
  const double* base = keys.data();
  std::size_t s = 0;
  for (; s + 4 <= count; s += 4) {
    for (std::size_t a = s + kGatherRowsAhead; a < std::min(count, s + kGatherRowsAhead + 4); ++a)
      for (Index c = 0; c < std::min<Index>(d, 8 * kGatherLinesPerRow); c += 8)
        __builtin_prefetch(base + rows[a] * stride + c);
    double dots[4];
    dot4<false>(base + rows[s] * stride, base + rows[s + 1] * stride, base + rows[s + 2] * stride,
                base + rows[s + 3] * stride, v, d, dots, nullptr);
    for (std::size_t t = 0; t < 4; ++t) out[rows[s + t]] = dots[t];
    if (w != nullptr) {  // the four rows are in L1 now
      dot4<false>(base + rows[s] * stride, base + rows[s + 1] * stride, base + rows[s + 2] * stride,
                  base + rows[s + 3] * stride, w, d, dots, nullptr);
      for (std::size_t t = 0; t < 4; ++t) out_w[rows[s + t]] = dots[t];
    }
  }
  for (; s < count; ++s) {
    const Eigen::Map<const Vector> row(base + rows[s] * stride, d);
    out[rows[s]] = row.dot(Eigen::Map<const Vector>(v, d));
    if (w != nullptr) out_w[rows[s]] = row.dot(Eigen::Map<const Vector>(w, d));
  }
}

void interleave_vectors(const Eigen::Ref<const Eigen::MatrixXd>& vectors, std::vector<double>& interleaved) {
  const Index d = vectors.rows(), count = vectors.cols();
  const Index groups = (count + kInterleave - 1) / kInterleave;
  interleaved.assign(static_cast<std::size_t>(groups * d * kInterleave), 0.0);
  for (Index c = 0; c < count; ++c) {
    double* group = interleaved.data() + (c / kInterleave) * d * kInterleave + c % kInterleave;
    for (Index j = 0; j < d; ++j) group[j * kInterleave] = vectors(j, c);
  }
}

void key_dots_many(const Eigen::Ref<const Matrix>& keys, Index start, Index len, const double* interleaved,
                   Index count, double* out, Index out_stride) {
  const Index d = keys.cols();
  const Index stride = keys.outerStride();
  const double* base = keys.data() + start * stride;
  for (Index g = 0; g * kInterleave < count; ++g) {
    const double* w = interleaved + g * d * kInterleave;
    double* group_out = out + g * kInterleave * out_stride;
    Index i = 0;
    for (; i + 4 <= len; i += 4) dot4x8(base + i * stride, stride, w, d, group_out + i, out_stride);
    for (; i < len; ++i) dot1x8(base + i * stride, w, d, group_out + i, out_stride);
  }
}

double key_bytes(const Eigen::Ref<const Matrix>& keys, Index rows) {
  return static_cast<double>(rows) * static_cast<double>(keys.outerStride()) * sizeof(double);
}

bool keys_stream_from_memory(const Eigen::Ref<const Matrix>& keys, Index rows) {
  return key_bytes(keys, rows) > static_cast<double>(kStreamingBytes);
}

namespace {

constexpr double kResidentBytes = double(std::size_t{2} << 20);  // never prefetched
// The first passes of a process run slowly whichever way (warm-up: first touches, cold caches and
// predictors): on the development box (AMD EPYC VM) the first pass 1 of n = 4096 planted/far solves took
// 350-500 us and the next three 100-130 us against ~75 us later. With 3 timed passes each way counted from
// the first, 2 of 40 processes decided to prefetch pass 1 there, which then took ~1.4x its time
// (prefetching instructions only cost time on keys the L3 holds; docs/benchmarks.md, "Session 24"). So the first
// kPrefetchWarmup passes of a class are timed by nobody, and 5 passes each way decide.
constexpr int kPrefetchWarmup = 4;                               // passes of a class not timed
constexpr int kPrefetchTrials = 5;                               // timed passes each way per class
constexpr int kSizeClasses = 64;

struct PrefetchTrials {
  int warmup = 0;                  // passes of the class seen before the trials (kPrefetchWarmup)
  int runs[2] = {0, 0};            // passes timed without / with prefetching
  double best[2] = {kInf, kInf};   // their minimum times
  int decision = -1;               // -1 while undecided, else 0 (off) or 1 (on)
};

// Per thread: no locking, and a thread's choice never depends on another's timings.
PrefetchTrials& trials_of(double bytes, bool norms) {
  thread_local PrefetchTrials table[2][kSizeClasses];
  const int size_class = std::clamp(static_cast<int>(std::log2(std::max(bytes, 1.0))), 0, kSizeClasses - 1);
  return table[norms ? 1 : 0][size_class];
}

}  // namespace

PassPrefetch plan_pass_prefetch(double bytes, bool norms) {
  if (bytes <= kResidentBytes) return {};
  const PrefetchTrials& t = trials_of(bytes, norms);
  if (t.decision >= 0) return {t.decision == 1, false};
  if (t.warmup < kPrefetchWarmup) return {false, true};  // reported, not counted
  return {t.runs[1] <= t.runs[0], true};  // alternate, prefetching first
}

int pass_prefetch_decision(double bytes, bool norms) {
  if (bytes <= kResidentBytes) return 0;
  return trials_of(bytes, norms).decision;
}

void report_pass_time(double bytes, bool norms, bool prefetch, double microseconds) {
  if (bytes <= kResidentBytes) return;
  PrefetchTrials& t = trials_of(bytes, norms);
  if (t.decision >= 0) return;
  if (t.warmup < kPrefetchWarmup) {
    ++t.warmup;
    return;
  }
  const int way = prefetch ? 1 : 0;
  ++t.runs[way];
  t.best[way] = std::min(t.best[way], microseconds);
  if (t.runs[0] >= kPrefetchTrials && t.runs[1] >= kPrefetchTrials) t.decision = t.best[1] < t.best[0] ? 1 : 0;
}

PlannedPass::PlannedPass(double bytes, bool norms)
    : bytes_(bytes), norms_(norms), plan_(plan_pass_prefetch(bytes, norms)), start_(std::chrono::steady_clock::now()) {}

PlannedPass::~PlannedPass() {
  if (plan_.timed)
    report_pass_time(bytes_, norms_, plan_.prefetch,
                     std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_).count());
}

void key_pass_dots(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& v, Eigen::Ref<Vector> out) {
  const Index n = keys.rows();
  VASHISTA_CHECK(v.size() == keys.cols() && out.size() == n, ErrorKind::bad_input,
                 "key_pass_dots: sizes {} x {}, v {}, out {} do not match", n, keys.cols(), v.size(), out.size());
  const PlannedPass pass(key_bytes(keys, n), false);
  key_dots(keys, 0, n, n, v.data(), out.data(), nullptr, pass.prefetch());
}

}  // namespace vashista
