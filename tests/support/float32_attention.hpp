#pragma once
// Test support: the CUDA kernel's float32 evaluation of softmax attention, on the host.
#include "core/conventions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace vashista::test {

// The CUDA kernel's evaluation (src/cuda/sparse_attention.cu, attention_kernel + combine_kernel) on the host
// in float: q scaled by fl(fl(tau) / fl(eps)); each logit summed as the kernel does (d / 8 lanes of 8
// products, then a butterfly over the lanes); the tokens cut into splits of `split_tokens`; in a split, token
// r goes to lane group r % groups, online softmax (m, l, acc) per group with expf, the groups merged at their
// common maximum; the splits combined at theirs and o = acc / l. d a multiple of 8.
inline Vector float32_flash_decoding(const Matrix& keys, const Matrix& values, const Vector& query, double scale,
                                     double eps, int groups, Index split_tokens) {
  const Index t = keys.rows(), d = keys.cols();
  const auto dim = static_cast<size_t>(d);
  const float scale_over_eps = static_cast<float>(scale) / static_cast<float>(eps);
  std::vector<float> q(dim);
  for (Index k = 0; k < d; ++k) q[static_cast<size_t>(k)] = static_cast<float>(query[k]) * scale_over_eps;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  struct Partial {
    float m, l;
    std::vector<float> acc;
  };
  // Merges partials at their common maximum: (max m, sum l e^{m - max}, sum acc e^{m - max}).
  auto merge = [&](const std::vector<Partial>& parts) {
    Partial out{neg_inf, 0.0f, std::vector<float>(dim, 0.0f)};
    for (const Partial& p : parts) out.m = std::max(out.m, p.m);
    for (const Partial& p : parts) {
      if (p.m == neg_inf) continue;
      const float w = std::exp(p.m - out.m);
      out.l += p.l * w;
      for (size_t k = 0; k < dim; ++k) out.acc[k] += p.acc[k] * w;
    }
    return out;
  };
  std::vector<Partial> splits;
  for (Index first = 0; first < t; first += split_tokens) {
    std::vector<Partial> part(static_cast<size_t>(groups), Partial{neg_inf, 0.0f, std::vector<float>(dim, 0.0f)});
    for (Index r = first; r < std::min(first + split_tokens, t); ++r) {
      Partial& p = part[static_cast<size_t>((r - first) % groups)];
      std::vector<float> lane(dim / 8, 0.0f);
      for (Index k = 0; k < d; ++k) lane[static_cast<size_t>(k / 8)] += q[static_cast<size_t>(k)] * static_cast<float>(keys(r, k));
      for (size_t half = lane.size() / 2; half > 0; half /= 2) {
        for (size_t i = 0; i < half; ++i) lane[i] += lane[i + half];
      }
      const float x = lane[0];
      const float m_new = std::max(p.m, x);
      const float corr = std::exp(p.m - m_new);
      const float w = std::exp(x - m_new);
      p.l = p.l * corr + w;
      for (Index k = 0; k < d; ++k) {
        p.acc[static_cast<size_t>(k)] = p.acc[static_cast<size_t>(k)] * corr + w * static_cast<float>(values(r, k));
      }
      p.m = m_new;
    }
    splits.push_back(merge(part));
  }
  const Partial all = merge(splits);
  Vector o(d);
  for (Index k = 0; k < d; ++k) o[k] = static_cast<double>(all.acc[static_cast<size_t>(k)] / all.l);
  return o;
}

}  // namespace vashista::test
