#include "solvers/quantized_keys.hpp"

#include "solvers/rounding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace vashista {

namespace {

constexpr double kCodeMax = 127.0;
// Rows quantized only with norms in this range: a_i and s_i are then finite normal numbers.
constexpr double kMinNorm = 1e-280;
constexpr double kMaxNorm = 1e280;

inline double multiply_add(double a, double b, double sum) {
#ifdef __FMA__
  return std::fma(a, b, sum);
#else
  return sum + a * b;
#endif
}

// Eight rows' sums fl(<c_t, w>) in single precision with independent accumulators (vectorised over j:
// the sums are formed in some order, inside the bound gamma_d of the header for IEEE single).
void code_dot8(const std::int8_t* c0, Index stride, const float* w, Index d, float* sums) {
#ifdef __AVX2__
  if (d % 8 == 0) {  // eight products per step and row; the eight sums reduced by a transposing add tree
    __m256 a[8];
    for (auto& x : a) x = _mm256_setzero_ps();
    for (Index j = 0; j < d; j += 8) {
      const __m256 wj = _mm256_loadu_ps(w + j);
      for (int t = 0; t < 8; ++t) {
        const __m128i c = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(c0 + t * stride + j));
        a[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(c)), wj, a[t]);
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
  const std::int8_t *c1 = c0 + stride, *c2 = c1 + stride, *c3 = c2 + stride, *c4 = c3 + stride, *c5 = c4 + stride,
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

float code_dot(const std::int8_t* c, const float* w, Index d) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (Index j = 0; j < d; ++j) s = std::fma(static_cast<float>(c[j]), w[j], s);
  return s;
}

// c_j = rint(fl(k_j a)) for j < d. |fl(k_j a)| < 32767.5 for a row's own norm (header); the conversion
// saturates at the 16-bit range all the same. Under AVX2 four conversions (round to nearest, the default
// mode) and two saturating packs per 16 values: GCC's vectorisation of the scalar loop took 68 ns per row
// of 128 (shuffles to narrow 64-bit lanes), ~5x a pass over the row, on the development box.
double max_abs(const double* __restrict k, Index d) {
  double m = 0;
#pragma omp simd reduction(max : m)
  for (Index j = 0; j < d; ++j) m = std::max(m, std::abs(k[j]));
  return m;
}

void encode_row(const double* __restrict k, double a, Index d, std::int8_t* __restrict out) {
  Index j = 0;
#ifdef __AVX2__
  const __m256d scale = _mm256_set1_pd(a);
  for (; j + 16 <= d; j += 16) {
    const __m128i c0 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j), scale));
    const __m128i c1 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j + 4), scale));
    const __m128i c2 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j + 8), scale));
    const __m128i c3 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j + 12), scale));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), _mm_packs_epi16(_mm_packs_epi32(c0, c1), _mm_packs_epi32(c2, c3)));
  }
#endif
  for (; j < d; ++j) out[j] = static_cast<std::int8_t>(std::clamp(std::nearbyint(k[j] * a), -kCodeMax, kCodeMax));
}

}  // namespace

void QuantizedKeys::resize(Index rows, Index d) {
  rows_ = rows;
  dim_ = d;
  stride_ = (d + 15) / 16 * 16;
  const auto size = static_cast<std::size_t>(rows) * static_cast<std::size_t>(stride_);
  if (codes_.size() < size) codes_.resize(size);
  if (scale_.size() < static_cast<std::size_t>(rows)) scale_.resize(static_cast<std::size_t>(rows));
  if (bound_.size() < static_cast<std::size_t>(rows)) bound_.resize(static_cast<std::size_t>(rows));
}

void QuantizedKeys::quantize(const Eigen::Ref<const Matrix>& keys, Index start, Index len, const double* norms) {
  const Index d = dim_;
  const double u = kUnitRoundoff, rd = std::sqrt(static_cast<double>(d));
  const double uf = 0x1p-24, dd = static_cast<double>(d);
  const double eps_f = uf + dd * uf / (1.0 - dd * uf) * (1.0 + uf) * (1.0 + uf) + 0x1p-127;
  const double norm_up = 1.0 + rounding_gamma(dd + 2.0);
  std::int8_t* codes = reinterpret_cast<std::int8_t*>(codes_.data());
  for (Index t = 0; t < len; ++t) {
    const Index i = start + t;
    const double* k = keys.data() + i * keys.outerStride();
    const double m = max_abs(k, d);
    std::int8_t* __restrict out = codes + static_cast<std::size_t>(i) * static_cast<std::size_t>(stride_);
    if (!(m >= kMinNorm && m <= kMaxNorm)) {
      std::fill(out, out + stride_, std::int8_t{0});
      scale_[static_cast<std::size_t>(i)] = 0;
      bound_[static_cast<std::size_t>(i)] = std::numeric_limits<double>::infinity();
      continue;
    }
    const double a = kCodeMax / m, s = m / kCodeMax;
    scale_[static_cast<std::size_t>(i)] = s;
    const double n = norms[t] * norm_up;
    bound_[static_cast<std::size_t>(i)] =
        (rd * s * (0.5 + u) * (1.0 + u) + n * (rounding_gamma(3.0) + eps_f * (1.0 + u) * (1.0 + 3.0 * u)) +
         eps_f * (1.0 + u) * rd * s / 2.0) * (1.0 + 16.0 * u);
    encode_row(k, a, d, out);
  }
}

bool QuantizedKeys::dots(Index start, Index len, const double* v, double* out) const {
  const Index d = dim_;
  // w = fl_single(v 2^-e) with max |v_j| 2^-e in [1/2, 1): no overflow, relative rounding 2^-24 (header);
  // 2^-e and 2^e are normal numbers for max |v_j| in [kMinNorm, kMaxNorm], so the scalings are exact.
  double vmax = 0;
  for (Index j = 0; j < d; ++j) vmax = std::max(vmax, std::abs(v[j]));
  if (!(vmax >= kMinNorm && vmax <= kMaxNorm)) return false;
  int e = 0;
  std::frexp(vmax, &e);
  const double down = std::ldexp(1.0, -e), up = std::ldexp(1.0, e);
  thread_local std::vector<float> w;
  w.resize(static_cast<std::size_t>(d));
  for (Index j = 0; j < d; ++j) w[static_cast<std::size_t>(j)] = static_cast<float>(v[j] * down);
  const std::int8_t* base = reinterpret_cast<const std::int8_t*>(codes_.data()) + static_cast<std::size_t>(start) * static_cast<std::size_t>(stride_);
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
