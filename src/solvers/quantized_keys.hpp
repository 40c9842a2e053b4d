#pragma once
// A 16-bit copy of a stream's keys, kept with the keys (like their norms, solvers/key_norms.hpp: built once
// per stream, extended by each appended key while decoding) and read by the full pricing passes of the
// exact projection instead of the keys themselves: a quarter of the bytes (solvers/hull_projection.hpp,
// the overload that takes it; docs/theory.md section 3, "Pricing from a 16-bit copy").
//
// Row i is stored as integers c_ij (|c_ij| <= 32767) and a scale s_i, from the row's computed norm N_i
// (KeyNorms):
//   a_i = fl(32767 / N_i),  s_i = fl(N_i / 32767),  c_ij = rint(fl(k_ij a_i)),  Q_i = s_i c_i  (exact reals).
// Rounding (u = 2^-53, gamma_k = k u / (1 - k u); N_i within gamma_{d+2} of ||k_i||, so |fl(k_ij a_i)|
// <= 32767 (1 + gamma_{d+4}) < 32767.5 and c_ij fits 16 bits): with y = fl(k_ij a_i),
//   k_ij - s_i c_ij = (k_ij - s_i y) + s_i (y - c_ij),  |k_ij - s_i y| <= gamma_3 |k_ij|,  |y - c_ij| <= 1/2,
//   ||k_i - Q_i|| <= sqrt(d) s_i (1/2 + u) + gamma_3 ||k_i|| <= N_i eps_q,
//   eps_q = [sqrt(d) (1 + u) (1/2 + u) / 32767 + gamma_3] (1 + gamma_{d+2}).
// A product with a vector v: w_j = fl_single(v_j 2^-e) (2^e the power of two with max |v_j| 2^-e in [1/2, 1),
// so the scaling is exact), the sum S = <c_i, w> formed in single precision (any order, fused or not) and
// T_i = fl(s_i (S 2^e)). With u_f = 2^-24 and g_f = d u_f / (1 - d u_f) (the single-precision gamma_d),
//   |w_j - v_j 2^-e| <= u_f |v_j 2^-e| + 2^-150,   |S - <c_i, w>| <= g_f ||c_i|| ||w|| + d 2^-150,
// and since ||c_i|| >= 1 and ||w|| >= 1/2 the absolute terms fit in 2^-127 ||c_i|| ||w|| (d < 2^20):
//   |<c_i, v> - S 2^e| <= ||c_i|| ||v|| eps_f,   eps_f = u_f + g_f (1 + u_f)^2 + 2^-127.
// With ||c_i|| <= 32767 (1 + gamma_{d+4}) + sqrt(d) / 2, so s_i ||c_i|| <= N_i (1 + u)(1 + gamma_{d+4} +
// sqrt(d) / 65534), and <k_i, v> = s_i <c_i, v> + <k_i - Q_i, v>:
//   |T_i - <k_i, v>| <= E_i := N_i ||v|| eps_t + 2u |T_i| + floor,
//   eps_t = [eps_q + eps_f (1 + u) (1 + gamma_{d+4} + sqrt(d) / 65534)] (1 + gamma_{d+2}),
// ||v|| the exact norm (callers pass an upper bound) and floor a few subnormals. At d = 128, eps_t ~ 1.8e-4:
// the copy prices a key to 1.8e-4 of ||k_i|| ||v||, enough to prove nearly every multiplier positive; the
// few it cannot are priced from the keys themselves. The single-precision sums (8 products per AVX2
// instruction against 4) keep the pass over the copy at a fraction of a pass over K.
//
// Rows whose norm is below 1e-140 (zero rows, tiny rows: there the squares that form N_i may be subnormal,
// and N_i then less accurate than gamma_{d+2}) are not quantized: their scale is 0 and callers must price
// them from the keys (QuantizedKeys::exact_only). Above 1e-140 the squares' underflow moves N_i by at most
// d 2^-1075 / 1e-280 < 1e-37 relative (d < 2^20), inside the slack of gamma_{d+2} over the norm's gamma_{d+1}.
// Contract (as for KeyNorms): the copy must belong to the keys it is passed with (the same rows, unchanged);
// the projection checks the row count and the dimension, not the values.
#include "core/conventions.hpp"
#include "solvers/key_norms.hpp"

#include <cstdint>
#include <vector>

namespace vashista {

class QuantizedKeys {
 public:
  QuantizedKeys() = default;
  /// The copy of every row of keys, scaled by the stream's norms (which must cover the rows: Error(bad_input)
  /// otherwise, or on a dimension mismatch).
  QuantizedKeys(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms);

  /// Extends the copy to all rows of `keys`, whose first rows() rows are those already copied (a stream that
  /// grew by appended keys; norms extended first): only the new rows are read.
  void append(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms);

  Index rows() const { return rows_; }
  Index dim() const { return dim_; }

  /// out[i - start] = T_i for rows [start, start + len) (the bound E_i of the header holds). Returns false,
  /// writing nothing, when max |v_j| is outside [1e-280, 1e280] (then price from the keys).
  bool dots(Index start, Index len, const double* v, double* out) const;

  /// True when row i was not quantized (its products must come from the keys).
  bool exact_only(Index i) const { return scale_[static_cast<std::size_t>(i)] == 0; }
  /// b_i = N_i eps_t per row (inf for rows that were not quantized): E_i = b_i ||v|| + 2u |T_i| + floor.
  const double* row_bounds() const { return bound_.data(); }

  /// eps_t of the header for dimension d.
  static double product_error(Index d);

 private:
  void quantize(const Eigen::Ref<const Matrix>& keys, Index start, Index len, const double* norms);

  Index rows_ = 0, dim_ = 0, stride_ = 0;
  double eps_t_ = 0;                 // product_error(dim_)
  std::vector<std::int16_t> codes_;  // rows_ x stride_ (stride_ = d rounded up to 16; padding zeros)
  std::vector<double> scale_;        // s_i, 0 for rows that were not quantized
  std::vector<double> bound_;        // b_i
  bool grouped_ = false;             // codes stored by groups of 16 in encode_row's order (AVX2, d % 16 == 0)
};

}  // namespace vashista
