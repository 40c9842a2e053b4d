#pragma once
// Exact conversions between double and the 16-bit storage formats of a trace:
//   float16  (IEEE binary16): 1 sign, 5 exponent (bias 15),  10 mantissa bits
//   bfloat16 (brain float):   1 sign, 8 exponent (bias 127),  7 mantissa bits
// Decoding is exact (every 16-bit value is a double). Encoding rounds to nearest, ties to even,
// directly from double (no double rounding through float), with gradual underflow to subnormals
// and overflow to +-inf. NaN encodes as a quiet NaN.
#include <cmath>
#include <cstdint>

namespace vashista {

/// Layout of a binary floating-point format with 1 sign bit (IEEE-style, implicit leading 1).
struct SmallFloatFormat {
  int exponent_bits;
  int mantissa_bits;
  constexpr int bias() const { return (1 << (exponent_bits - 1)) - 1; }
  constexpr int max_exponent_field() const { return (1 << exponent_bits) - 1; }
};

constexpr SmallFloatFormat kFloat16{5, 10};
constexpr SmallFloatFormat kBFloat16{8, 7};

/// value = (-1)^s * 2^(e - bias) * (1 + m / 2^M) for 0 < e < max; subnormal (e = 0): 2^(1 - bias) * m / 2^M.
inline double decode_small_float(uint16_t bits, SmallFloatFormat f) {
  const int M = f.mantissa_bits;
  const bool negative = (bits >> (f.exponent_bits + M)) & 1u;
  const int e = static_cast<int>((bits >> M) & static_cast<unsigned>(f.max_exponent_field()));
  const uint32_t m = bits & ((1u << M) - 1u);
  double magnitude;
  if (e == f.max_exponent_field()) {
    magnitude = m == 0 ? INFINITY : NAN;
  } else if (e == 0) {
    magnitude = std::ldexp(static_cast<double>(m), 1 - f.bias() - M);
  } else {
    magnitude = std::ldexp(static_cast<double>(m + (1u << M)), e - f.bias() - M);
  }
  return negative ? -magnitude : magnitude;
}

/// Round-to-nearest-even encoding of a double.
inline uint16_t encode_small_float(double value, SmallFloatFormat f) {
  const int M = f.mantissa_bits;
  const uint32_t sign = std::signbit(value) ? (1u << (f.exponent_bits + M)) : 0u;
  const uint32_t inf_bits = static_cast<uint32_t>(f.max_exponent_field()) << M;
  if (std::isnan(value)) return static_cast<uint16_t>(sign | inf_bits | (1u << (M - 1)));
  const double a = std::fabs(value);
  if (std::isinf(a)) return static_cast<uint16_t>(sign | inf_bits);
  if (a == 0.0) return static_cast<uint16_t>(sign);
  int exp2 = 0;
  std::frexp(a, &exp2);  // a = frac * 2^exp2, frac in [0.5, 1): unbiased exponent E = exp2 - 1
  const int min_normal_exponent = 1 - f.bias();
  const int E = exp2 - 1 < min_normal_exponent ? min_normal_exponent : exp2 - 1;
  // Quantum 2^(E - M): a / quantum is exact (power-of-two scaling), nearbyint rounds ties to even.
  double q = std::nearbyint(std::ldexp(a, M - E));
  uint32_t bits;
  if (exp2 - 1 < min_normal_exponent) {
    bits = static_cast<uint32_t>(q);  // subnormal; q == 2^M carries into the smallest normal
  } else {
    int e = E;
    if (q >= std::ldexp(1.0, M + 1)) {  // mantissa overflow on rounding: next binade
      q = std::ldexp(1.0, M);
      ++e;
    }
    const int field = e + f.bias();
    if (field >= f.max_exponent_field()) return static_cast<uint16_t>(sign | inf_bits);
    bits = (static_cast<uint32_t>(field) << M) | (static_cast<uint32_t>(q) - (1u << M));
  }
  return static_cast<uint16_t>(sign | bits);
}

inline double float16_to_double(uint16_t bits) { return decode_small_float(bits, kFloat16); }
inline uint16_t double_to_float16(double v) { return encode_small_float(v, kFloat16); }
inline double bfloat16_to_double(uint16_t bits) { return decode_small_float(bits, kBFloat16); }
inline uint16_t double_to_bfloat16(double v) { return encode_small_float(v, kBFloat16); }

}  // namespace vashista
