#pragma once
// Storage dtypes of trace v1 (docs/trace-format.md): float64, float32, float16 (IEEE binary16,
// h5py's 16-bit float type) and bfloat16 (stored as uint16 with dataset attribute dtype="bfloat16").
// Every value is converted to double on read; quantize() gives the double a value becomes after a
// write/read round trip, so in-memory data can be made identical to what a file will hold.
#include "core/conventions.hpp"
#include "core/error.hpp"
#include "trace/small_float.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace vashista {

enum class StorageDtype { float64, float32, float16, bfloat16 };

inline const char* to_string(StorageDtype dtype) {
  switch (dtype) {
    case StorageDtype::float64: return "float64";
    case StorageDtype::float32: return "float32";
    case StorageDtype::float16: return "float16";
    case StorageDtype::bfloat16: return "bfloat16";
  }
  return "?";
}

/// The dtype whose canonical name (to_string) is `name`; nullopt for any other text.
inline std::optional<StorageDtype> storage_dtype_named(std::string_view name) {
  for (StorageDtype d : {StorageDtype::float64, StorageDtype::float32, StorageDtype::float16, StorageDtype::bfloat16}) {
    if (name == to_string(d)) return d;
  }
  return std::nullopt;
}

/// "float64" | "float32" | "float16" | "bfloat16" (also "f64", "f32", "f16", "bf16");
/// Error(usage) otherwise.
inline StorageDtype parse_storage_dtype(const std::string& text) {
  if (text == "float64" || text == "f64" || text == "double") return StorageDtype::float64;
  if (text == "float32" || text == "f32" || text == "float") return StorageDtype::float32;
  if (text == "float16" || text == "f16" || text == "half") return StorageDtype::float16;
  if (text == "bfloat16" || text == "bf16") return StorageDtype::bfloat16;
  VASHISTA_FAIL(ErrorKind::usage, "unknown storage dtype '{}' (expected float64, float32, float16 or bfloat16)", text);
}

/// Unit roundoff u of a storage dtype: a double x stored and read back is within u |x| of x in the normal
/// range (round to nearest): float64 2^-53, float32 2^-24, float16 2^-11, bfloat16 2^-8.
inline double unit_roundoff(StorageDtype dtype) {
  switch (dtype) {
    case StorageDtype::float64: return 0x1p-53;
    case StorageDtype::float32: return 0x1p-24;
    case StorageDtype::float16: return 0x1p-11;
    case StorageDtype::bfloat16: return 0x1p-8;
  }
  return 1.0;
}

/// Largest absolute rounding error of a stored value in the subnormal range: half the smallest subnormal
/// (float64 2^-1075, float32 2^-150, float16 2^-25, bfloat16 2^-134).
inline double subnormal_rounding(StorageDtype dtype) {
  switch (dtype) {
    case StorageDtype::float64: return 0x1p-1074;  // (half of 2^-1074 is not a double: the subnormal itself)
    case StorageDtype::float32: return 0x1p-150;
    case StorageDtype::float16: return 0x1p-25;
    case StorageDtype::bfloat16: return 0x1p-134;
  }
  return 1.0;
}

/// The value a double takes after being stored in `dtype` and read back (round to nearest even).
inline double quantize(double value, StorageDtype dtype) {
  switch (dtype) {
    case StorageDtype::float64: return value;
    case StorageDtype::float32: return static_cast<double>(static_cast<float>(value));
    case StorageDtype::float16: return float16_to_double(double_to_float16(value));
    case StorageDtype::bfloat16: return bfloat16_to_double(double_to_bfloat16(value));
  }
  return value;
}

/// True when every entry of m survives storage in `dtype` unchanged.
template <typename Derived>
bool exactly_representable(const Eigen::DenseBase<Derived>& m, StorageDtype dtype) {
  return m.unaryExpr([dtype](double x) { return quantize(x, dtype) == x; }).all();
}

}  // namespace vashista
