// float16 / bfloat16 conversions: exact decode, round-to-nearest-even encode, subnormals, inf, NaN.
#include "trace/small_float.hpp"
#include "trace/storage_dtype.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

using namespace vashista;

namespace {
float float_from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
}  // namespace

TEST_CASE("float16: every non-NaN bit pattern round-trips exactly") {
  int nan_count = 0;
  for (uint32_t b = 0; b < 65536; ++b) {
    const double v = float16_to_double(static_cast<uint16_t>(b));
    if (std::isnan(v)) {
      ++nan_count;
      CHECK(std::isnan(float16_to_double(double_to_float16(v))));
      continue;
    }
    REQUIRE(double_to_float16(v) == b);
  }
  CHECK(nan_count == 2 * 1023);  // exponent all ones, mantissa != 0, both signs
}

TEST_CASE("bfloat16: decode equals the float with the same upper 16 bits; round trip") {
  for (uint32_t b = 0; b < 65536; ++b) {
    const double v = bfloat16_to_double(static_cast<uint16_t>(b));
    const float f = float_from_bits(b << 16);
    if (std::isnan(f)) {
      CHECK(std::isnan(v));
      continue;
    }
    REQUIRE(v == static_cast<double>(f));
    REQUIRE(double_to_bfloat16(v) == b);
  }
}

TEST_CASE("float16: known values, subnormals, ties to even, overflow") {
  CHECK(float16_to_double(0x3c00) == 1.0);
  CHECK(float16_to_double(0x7bff) == 65504.0);
  CHECK(float16_to_double(0x0001) == std::ldexp(1.0, -24));  // smallest subnormal
  CHECK(float16_to_double(0x03ff) == std::ldexp(1023.0, -24));  // largest subnormal
  CHECK(float16_to_double(0x0400) == std::ldexp(1.0, -14));  // smallest normal
  CHECK(float16_to_double(0x8000) == 0.0);
  CHECK(std::signbit(float16_to_double(0x8000)));
  CHECK(float16_to_double(0xfc00) == -INFINITY);
  // ties to even at 1: ulp = 2^-10
  CHECK(double_to_float16(1.0 + std::ldexp(1.0, -11)) == 0x3c00);
  CHECK(double_to_float16(1.0 + 3 * std::ldexp(1.0, -11)) == 0x3c02);
  CHECK(double_to_float16(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -30)) == 0x3c01);
  // subnormal rounding: half of the smallest subnormal rounds to 0 (even), just above to 1
  CHECK(double_to_float16(std::ldexp(1.0, -25)) == 0x0000);
  CHECK(double_to_float16(std::ldexp(1.0, -25) * 1.0000001) == 0x0001);
  CHECK(double_to_float16(std::ldexp(3.0, -25)) == 0x0002);  // 1.5 quanta -> 2 (even)
  // largest subnormal + half quantum rounds up into the smallest normal
  CHECK(double_to_float16(std::ldexp(1023.5, -24)) == 0x0400);
  // overflow: 65520 is halfway to 2^16 and rounds to even = inf; just below stays 65504
  CHECK(double_to_float16(65520.0) == 0x7c00);
  CHECK(double_to_float16(65519.99) == 0x7bff);
  CHECK(double_to_float16(-1e300) == 0xfc00);
}

TEST_CASE("bfloat16: rounding directly from double (no double rounding through float)") {
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even -> 1. Slightly above the tie must round up,
  // even when the excess is below float precision (float rounding first would lose it).
  CHECK(double_to_bfloat16(1.0 + std::ldexp(1.0, -8)) == 0x3f80);
  CHECK(double_to_bfloat16(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40)) == 0x3f81);
  CHECK(bfloat16_to_double(0x0001) == std::ldexp(1.0, -133));  // smallest subnormal
  CHECK(double_to_bfloat16(std::ldexp(1.0, -133)) == 0x0001);
  CHECK(double_to_bfloat16(1e39) == 0x7f80);  // beyond max bfloat16 (~3.39e38): inf
}

TEST_CASE("quantize and parse_storage_dtype") {
  CHECK(quantize(0.1, StorageDtype::float64) == 0.1);
  CHECK(quantize(0.1, StorageDtype::float32) == static_cast<double>(0.1f));
  CHECK(quantize(0.1, StorageDtype::float16) == float16_to_double(0x2e66));
  CHECK(quantize(0.1, StorageDtype::bfloat16) == bfloat16_to_double(0x3dcd));
  CHECK(parse_storage_dtype("bf16") == StorageDtype::bfloat16);
  CHECK_THROWS_AS(parse_storage_dtype("int8"), Error);
}

TEST_CASE("exactly_representable: every entry must survive the dtype") {
  Matrix m(2, 2);
  m << 1.0, -0.5, 0x1p-130, 3.0;  // 2^-130 is a bfloat16 subnormal, 0 in float16
  CHECK(exactly_representable(m, StorageDtype::bfloat16));
  CHECK(exactly_representable(m, StorageDtype::float32));
  CHECK_FALSE(exactly_representable(m, StorageDtype::float16));
  m(1, 1) = 1.0 + 0x1p-8;  // needs 9 significand bits: float16 and float32 hold it, bfloat16 does not
  CHECK_FALSE(exactly_representable(m, StorageDtype::bfloat16));
  CHECK(exactly_representable(m.col(1), StorageDtype::float16));
}
