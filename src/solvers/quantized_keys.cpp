#include "solvers/quantized_keys.hpp"

#include "core/error.hpp"
#include "solvers/rounding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace vashista {

namespace {

constexpr double kCodeMax = 32767.0;
// Rows are quantized only with norms of at least kMinRowNorm (header: N_i accurate to gamma_{d+2}; a_i and
// s_i finite normal numbers, KeyNorms having refused norms beyond ~1e154). A vector v is multiplied only
// when max |v_j| is in [kMinVector, kMaxVector]: its scalings by 2^-e and 2^e are then exact.
constexpr double kMinRowNorm = 1e-140;
constexpr double kMinVector = 1e-280;
constexpr double kMaxVector = 1e280;

// Eight rows' sums fl(<c_t, w>) in single precision with independent accumulators (vectorised over j:
// the sums are formed in some order, inside the bound gamma_d of the header for IEEE single).
void code_dot8(const std::int16_t* c0, Index stride, const float* w, Index d, float* sums) {
#ifdef __AVX2__
  if (d % 8 == 0) {  // eight products per step and row; the eight sums reduced by a transposing add tree
    __m256 a[8];
    for (auto& x : a) x = _mm256_setzero_ps();
    for (Index j = 0; j < d; j += 8) {
      const __m256 wj = _mm256_loadu_ps(w + j);
      for (int t = 0; t < 8; ++t) {
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c0 + t * stride + j));
        a[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(c)), wj, a[t]);
      }
    }
    const __m256 h01 = _mm256_hadd_ps(a[0], a[1]), h23 = _mm256_hadd_ps(a[2], a[3]);
    const __m256 h45 = _mm256_hadd_ps(a[4], a[5]), h67 = _mm256_hadd_ps(a[6], a[7]);
    const __m256 q0 = _mm256_hadd_ps(h01, h23), q1 = _mm256_hadd_ps(h45, h67);
    // q0 = [s0 s1 s2 s3 | s0 s1 s2 s3] halves (low lane: j mod 8 < 4, high lane: the rest); add the lanes.
    const __m256 low = _mm256_permute2f128_ps(q0, q1, 0x20), high = _mm256_permute2f128_ps(q0, q1, 0x31);
    _mm256_storeu_ps(sums, _mm256_add_ps(low, high));
    return;
  }
#endif
  const std::int16_t *c1 = c0 + stride, *c2 = c1 + stride, *c3 = c2 + stride, *c4 = c3 + stride, *c5 = c4 + stride,
                     *c6 = c5 + stride, *c7 = c6 + stride;
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
  for (Index j = 0; j < d; ++j) {
    const float wj = w[j];
    s0 = std::fma(static_cast<float>(c0[j]), wj, s0);
    s1 = std::fma(static_cast<float>(c1[j]), wj, s1);
    s2 = std::fma(static_cast<float>(c2[j]), wj, s2);
    s3 = std::fma(static_cast<float>(c3[j]), wj, s3);
    s4 = std::fma(static_cast<float>(c4[j]), wj, s4);
    s5 = std::fma(static_cast<float>(c5[j]), wj, s5);
    s6 = std::fma(static_cast<float>(c6[j]), wj, s6);
    s7 = std::fma(static_cast<float>(c7[j]), wj, s7);
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
  sums[4] = s4;
  sums[5] = s5;
  sums[6] = s6;
  sums[7] = s7;
}

float code_dot(const std::int16_t* c, const float* w, Index d) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (Index j = 0; j < d; ++j) s = std::fma(static_cast<float>(c[j]), w[j], s);
  return s;
}

// Codes of a row. Scalar: c_j = rint(fl(k_j a)). Under AVX2 (rows of a multiple of 16 values) each group
// of 16 values is c = rint(k_j a) exactly (a fused multiply-add with 1.5 2^52 leaves the rounded integer
// in the low 32 bits of the double: |k_j a| < 2^31), narrowed by one in-lane shuffle per 8 values and one
// saturating pack per 16, and stored in the order kGroupOrder (rint of the exact product is within the
// header's bound, which allows the rounding of the product). Four conversions and two packs per 16 values
// (natural order) took 9.9 ns per row of 128 on the development box; this takes 8.6 ns (docs/benchmarks.md,
// "Session 34": then the copy was written inside each solve's pass 1, which far queries paid for).
constexpr int kGroupOrder[16] = {0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15};  // stored slot -> value

void encode_row(const double* __restrict k, double a, Index d, bool grouped, std::int16_t* __restrict out) {
  Index j = 0;
#ifdef __AVX2__
  if (grouped) {
    const __m256d scale = _mm256_set1_pd(a), magic = _mm256_set1_pd(0x1.8p52);
    for (; j + 16 <= d; j += 16) {
      const __m256 z0 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j), scale, magic));
      const __m256 z1 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j + 4), scale, magic));
      const __m256 z2 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j + 8), scale, magic));
      const __m256 z3 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j + 12), scale, magic));
      const __m256i low = _mm256_castps_si256(_mm256_shuffle_ps(z0, z1, 0x88));   // values 0 1 4 5 | 2 3 6 7
      const __m256i high = _mm256_castps_si256(_mm256_shuffle_ps(z2, z3, 0x88));  // values 8 9 12 13 | 10 11 14 15
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j), _mm256_packs_epi32(low, high));
    }
  }
#endif
  (void)grouped;
  for (; j < d; ++j) out[j] = static_cast<std::int16_t>(std::clamp(std::nearbyint(k[j] * a), -kCodeMax, kCodeMax));
}

}  // namespace

QuantizedKeys::QuantizedKeys(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms)
    : dim_(keys.cols()), stride_((keys.cols() + 15) / 16 * 16), eps_t_(product_error(keys.cols())) {
#ifdef __AVX2__
  grouped_ = dim_ % 16 == 0;
#endif
  append(keys, norms);
}

void QuantizedKeys::append(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms) {
  VASHISTA_CHECK(keys.cols() == dim_ && keys.rows() >= rows_, ErrorKind::bad_input,
                 "quantized keys: keys of {} x {} cannot extend a copy of {} rows of dimension {}", keys.rows(),
                 keys.cols(), rows_, dim_);
  VASHISTA_CHECK(norms.dim() == dim_ && norms.size() >= keys.rows(), ErrorKind::bad_input,
                 "quantized keys: norms of {} rows of dimension {} do not cover keys of {} x {}", norms.size(),
                 norms.dim(), keys.rows(), keys.cols());
  const Index old = rows_, rows = keys.rows();
  codes_.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(stride_));
  scale_.resize(static_cast<std::size_t>(rows));
  bound_.resize(static_cast<std::size_t>(rows));
  rows_ = rows;
  quantize(keys, old, rows - old, norms.values().data() + old);
}

void QuantizedKeys::quantize(const Eigen::Ref<const Matrix>& keys, Index start, Index len, const double* norms) {
  const Index d = dim_;
  const double eps_t = eps_t_;
  for (Index t = 0; t < len; ++t) {
    const Index i = start + t;
    const double norm = norms[t];
    std::int16_t* __restrict out = codes_.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(stride_);
    if (!(norm >= kMinRowNorm)) {
      std::fill(out, out + stride_, std::int16_t{0});
      scale_[static_cast<std::size_t>(i)] = 0;
      bound_[static_cast<std::size_t>(i)] = std::numeric_limits<double>::infinity();
      continue;
    }
    const double a = kCodeMax / norm;
    scale_[static_cast<std::size_t>(i)] = norm / kCodeMax;
    bound_[static_cast<std::size_t>(i)] = norm * eps_t;  // (1 + 16u) of product_error covers this product
    encode_row(keys.data() + i * keys.outerStride(), a, d, grouped_, out);
  }
}

bool QuantizedKeys::dots(Index start, Index len, const double* v, double* out) const {
  const Index d = dim_;
  // w = fl_single(v 2^-e) with max |v_j| 2^-e in [1/2, 1): no overflow, relative rounding 2^-24 (header);
  // 2^-e and 2^e are normal numbers for max |v_j| in [kMinVector, kMaxVector], so the scalings are exact.
  double vmax = 0;
  for (Index j = 0; j < d; ++j) vmax = std::max(vmax, std::abs(v[j]));
  if (!(vmax >= kMinVector && vmax <= kMaxVector)) return false;
  int e = 0;
  std::frexp(vmax, &e);
  const double down = std::ldexp(1.0, -e), up = std::ldexp(1.0, e);
  thread_local std::vector<float> w;
  w.resize(static_cast<std::size_t>(d));
  for (Index j = 0; j < d; ++j) {  // in the codes' order (encode_row)
    const Index value = grouped_ ? j / 16 * 16 + kGroupOrder[j % 16] : j;
    w[static_cast<std::size_t>(j)] = static_cast<float>(v[value] * down);
  }
  const std::int16_t* base = codes_.data() + static_cast<std::size_t>(start) * static_cast<std::size_t>(stride_);
  const double* scale = scale_.data() + start;
  Index t = 0;
  for (; t + 8 <= len; t += 8) {
    float sums[8];
    code_dot8(base + t * stride_, stride_, w.data(), d, sums);
    for (Index c = 0; c < 8; ++c) out[t + c] = scale[t + c] * (static_cast<double>(sums[c]) * up);
  }
  for (; t < len; ++t) out[t] = scale[t] * (static_cast<double>(code_dot(base + t * stride_, w.data(), d)) * up);
  return true;
}

double QuantizedKeys::product_error(Index d) {
  const double u = kUnitRoundoff;
  const double dd = static_cast<double>(d);
  const double rd = std::sqrt(dd);
  const double norm_rounding = 1.0 + rounding_gamma(dd + 2.0);
  const double eps_q = (rd * (1.0 + u) * (0.5 + u) / kCodeMax + rounding_gamma(3.0)) * norm_rounding;
  const double uf = 0x1p-24;  // unit roundoff of IEEE single
  const double eps_f = uf + dd * uf / (1.0 - dd * uf) * (1.0 + uf) * (1.0 + uf) + 0x1p-127;
  const double eps_t = (eps_q + eps_f * (1.0 + u) * (1.0 + rounding_gamma(dd + 4.0) + rd / (2.0 * kCodeMax))) * norm_rounding;
  return eps_t * (1.0 + 16.0 * u);  // the rounding of this evaluation
}

}  // namespace vashista
