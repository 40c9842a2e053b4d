#pragma once
// Planted hull instances with a known projection (for the entropic and bounds tests).
// Face keys lie on the hyperplane <k, e_0> = 0 (exact in floating point), x* = sum_j p_j k_j in their
// relative interior, q = x* + t e_0, other keys at <k_i, e_0> = -g_i (g_i > 0), so r* = t e_0,
// lambda_i = <x* - k_i, r*> = t g_i, F = the planted face, Delta = t min g_i.
#include "core/conventions.hpp"
#include "solvers/hull_projection.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

namespace vashista::testing {

struct Planted {
  Matrix keys;
  Vector q;
  HullProjection projection;  // filled by hand with the planted x*, F, p*_F, lambda, Delta
};

inline Planted make_planted(std::mt19937_64& rng, Index n, Index d, Index m, double t, double gap_min,
                            double gap_max, double spread = 1.0) {
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  std::vector<Index> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), Index{0});
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<Index> face(perm.begin(), perm.begin() + m);
  std::sort(face.begin(), face.end());
  Planted pl;
  pl.keys.resize(n, d);
  Vector lambda = Vector::Zero(n);
  std::vector<char> in(static_cast<std::size_t>(n), 0);
  for (Index j : face) in[static_cast<std::size_t>(j)] = 1;
  double delta = kInf;
  for (Index i = 0; i < n; ++i) {
    for (Index c = 1; c < d; ++c) pl.keys(i, c) = spread * normal(rng);
    if (in[static_cast<std::size_t>(i)]) {
      pl.keys(i, 0) = 0.0;
    } else {
      const double g = gap_min + (gap_max - gap_min) * unif(rng);
      pl.keys(i, 0) = -g;
      lambda[i] = t * g;
      delta = std::min(delta, t * g);
    }
  }
  Vector p(m);
  for (Index j = 0; j < m; ++j) p[j] = 0.2 + unif(rng);
  p /= p.sum();
  Vector x = Vector::Zero(d);
  for (Index j = 0; j < m; ++j) x += p[j] * pl.keys.row(face[static_cast<std::size_t>(j)]).transpose();
  x[0] = 0.0;
  pl.q = x;
  pl.q[0] = t;
  HullProjection& h = pl.projection;
  h.status = HullStatus::certified;
  h.x = x;
  h.residual = pl.q - x;
  h.residual_norm = t;
  h.face = face;
  h.face_weights = p;
  h.lambda = lambda;
  h.lambda_error = Vector::Zero(n);
  h.delta = m == n ? kNaN : delta;
  h.delta_lo = h.delta;
  h.delta_hi = h.delta;
  h.fw_gap = 0;
  h.x_error = 0;
  return pl;
}

}  // namespace vashista::testing
