#pragma once
// A 16-bit copy of the keys, written during pass 1 of a single exact projection and read by its full
// pricing passes instead of the keys (solvers/hull_projection.cpp, docs/theory.md section 3).
//
// Row i is stored as integers c_ij (|c_ij| <= 32767) and a scale s_i, from the row's computed norm N_i:
//   a_i = fl(32767 / N_i),  s_i = fl(N_i / 32767),  c_ij = rint(fl(k_ij a_i)),  Q_i = s_i c_i  (exact reals).
// Rounding (u = 2^-53, gamma_k = k u / (1 - k u); N_i within gamma_{d+2} of ||k_i||, so |fl(k_ij a_i)|
// <= 32767 (1 + gamma_{d+4}) < 32767.5 and c_ij fits 16 bits): with y = fl(k_ij a_i),
//   k_ij - s_i c_ij = (k_ij - s_i y) + s_i (y - c_ij),  |k_ij - s_i y| <= gamma_3 |k_ij|,  |y - c_ij| <= 1/2,
//   ||k_i - Q_i|| <= sqrt(d) s_i (1/2 + u) + gamma_3 ||k_i|| <= N_i eps_q,
//   eps_q = [sqrt(d) (1 + u) (1/2 + u) / 32767 + gamma_3] (1 + gamma_{d+2}).
// A product with a vector v, T_i = fl(s_i fl(<c_i, v>)) (the inner sum in doubles, any order), is within
//   |T_i - <k_i, v>| <= E_i := N_i ||v|| eps_t + 2u |T_i| + floor,
//   eps_t = [eps_q + gamma_d (1 + u) (1 + gamma_{d+4} + sqrt(d) / 65534)] (1 + gamma_{d+2}),
// of the exact product (||v|| the exact norm: callers pass an upper bound; floor covers subnormal
// products): <k_i, v> = s_i <c_i, v> + <k_i - Q_i, v>, ||c_i|| <= 32767 (1 + gamma_{d+4}) + sqrt(d) / 2, and
// s_i ||c_i|| <= N_i (1 + u) (1 + gamma_{d+4} + sqrt(d) / 65534). At d = 128, eps_t ~ 1.7e-4: the copy
// prices a key to 1.7e-4 of ||k_i|| ||v||, enough to prove nearly every multiplier positive; the few it
// cannot are priced from the keys themselves.
//
// Rows whose norm is outside [kMinNorm, kMaxNorm] (zero rows, ~1e-290 or ~1e290) are not quantized:
// their scale is 0 and callers must price them from the keys (QuantizedKeys::exact_only).
#include "core/conventions.hpp"

#include <cstdint>
#include <vector>

namespace vashista {

class QuantizedKeys {
 public:
  /// Room for `rows` rows of dimension d (storage kept when it suffices).
  void resize(Index rows, Index d);
  Index rows() const { return rows_; }
  Index dim() const { return dim_; }

  /// Quantizes rows [start, start + len) of keys with their computed norms norms[0, len).
  void quantize(const Eigen::Ref<const Matrix>& keys, Index start, Index len, const double* norms);

  /// out[i - start] = T_i for rows [start, start + len) (the bound E_i of the header holds). Returns false,
  /// writing nothing, when max |v_j| is outside [kMinNorm, kMaxNorm] (then price from the keys).
  bool dots(Index start, Index len, const double* v, double* out) const;

  /// True when row i was not quantized (its products must come from the keys).
  bool exact_only(Index i) const { return scale_[static_cast<std::size_t>(i)] == 0; }
  const double* scales() const { return scale_.data(); }

  /// eps_t of the header for dimension d: E_i = N_i ||v|| eps_t + 2u |T_i| + floor.
  static double product_error(Index d);

 private:
  Index rows_ = 0, dim_ = 0, stride_ = 0;
  std::vector<std::int16_t> codes_;  // rows_ x stride_ (stride_ = d rounded up to 16; padding zeros)
  std::vector<double> scale_;        // s_i, 0 for rows that were not quantized
};

}  // namespace vashista
