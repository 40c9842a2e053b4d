#pragma once
// The exact projection's benchmark instances, shared by bench/bench_hull_projection.cpp and the
// instruction-count driver experiments/hull_vs_nnls/instructions_driver.cpp (same generators, same seeds).
// d = 128, 32 queries per key set.
//   planted: Gaussian keys N(0, I); 32 orthonormal directions u_j, one per query. In the coordinate along
//     u_j, a planted face F_j of 10..40 keys sits at c = 2.5; every other key is pushed to at most
//     c - 0.05 (reflected below if it was above). Then q_j = x*_j + t u_j, x*_j a random convex
//     combination of F_j, t = 2, so x*_j is the projection and F_j its face (lambda_i = t (c - <k_i, u_j>)).
//   far: plain Gaussian keys, q = 6 * (Gaussian direction of norm sqrt(d)): q far outside.
#include "core/conventions.hpp"

#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace vashista::bench {

constexpr Index kDim = 128;
constexpr Index kQueries = 32;

struct Instance {
  Matrix keys;
  Matrix queries;
};

inline Instance make_planted(Index n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  Instance inst;
  inst.keys = Matrix::NullaryExpr(n, kDim, [&](Index, Index) { return normal(rng); });
  const Eigen::MatrixXd gauss = Eigen::MatrixXd::NullaryExpr(kDim, kQueries, [&](Index, Index) { return normal(rng); });
  const Eigen::MatrixXd u = Eigen::HouseholderQR<Eigen::MatrixXd>(gauss).householderQ() *
                            Eigen::MatrixXd::Identity(kDim, kQueries);  // orthonormal columns
  const double c = 2.5, gap = 0.05, t = 2.0;
  std::vector<Index> perm(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<int> owner(static_cast<std::size_t>(n), -1);
  std::vector<std::vector<Index>> faces(kQueries);
  std::size_t next = 0;
  for (Index j = 0; j < kQueries; ++j) {
    const Index size = 10 + (7 * j) % 31;
    for (Index f = 0; f < size; ++f) {
      faces[static_cast<std::size_t>(j)].push_back(perm[next]);
      owner[perm[next++]] = static_cast<int>(j);
    }
  }
  for (Index i = 0; i < n; ++i) {
    Vector k = inst.keys.row(i).transpose();
    const Vector coord = u.transpose() * k;
    Vector target = coord;
    for (Index j = 0; j < kQueries; ++j) {
      if (owner[static_cast<std::size_t>(i)] == j) {
        target[j] = c;
      } else if (coord[j] > c - gap) {
        target[j] = c - gap - std::abs(0.5 * normal(rng));
      }
    }
    k += u * (target - coord);
    inst.keys.row(i) = k.transpose();
  }
  inst.queries.resize(kQueries, kDim);
  for (Index j = 0; j < kQueries; ++j) {
    const auto& face = faces[static_cast<std::size_t>(j)];
    Vector w(static_cast<Index>(face.size()));
    for (Index f = 0; f < w.size(); ++f) w[f] = uniform(rng);
    w /= w.sum();
    Vector x = Vector::Zero(kDim);
    for (Index f = 0; f < w.size(); ++f) x += w[f] * inst.keys.row(face[static_cast<std::size_t>(f)]).transpose();
    inst.queries.row(j) = (x + t * u.col(j)).transpose();
  }
  return inst;
}

inline Instance make_far(Index n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Instance inst;
  inst.keys = Matrix::NullaryExpr(n, kDim, [&](Index, Index) { return normal(rng); });
  inst.queries = Matrix::NullaryExpr(kQueries, kDim, [&](Index, Index) { return 6.0 * normal(rng); });
  return inst;
}

}  // namespace vashista::bench
