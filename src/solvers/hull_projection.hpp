#pragma once
// Exact Euclidean projection of a query onto the convex hull of the keys (docs/theory.md, section 2).
//
//   P0: min_{p in simplex_n} f(p) = 1/2 ||K^T p - q||^2,   x* = K^T p*,   r* = q - x*.
//   KKT multipliers: lambda_i = <x* - k_i, r*> >= 0 (nu = <x*, r*>), active face F = {i : lambda_i = 0},
//   support gap Delta = min_{i not in F} lambda_i.
//   Certificate (for any x = K^T p, p in the simplex, r = q - x):
//     Frank-Wolfe gap g = max_i <r, k_i - x>  >=  f(p) - f(p*)  >=  1/2 ||x - x*||^2,
//     so ||x - x*|| <= e := sqrt(2 g), and |lambda_i(x) - lambda_i(x*)| <= e (||r|| + ||x - k_i||) + 3 e^2.
//   The face is "separated" when every lambda_i is either within its error bar of 0 (in F) or above it
//   (outside F); then status = certified and Delta is reported as the interval [delta_lo, delta_hi].
#include "core/conventions.hpp"

#include <string>
#include <vector>

namespace vashista {

enum class HullStatus {
  certified,       // face separated by the certificate; Delta in [delta_lo, delta_hi]
  face_ambiguous,  // some lambda_i's error bar straddles 0: the face is not decided, never guessed
  no_gap,          // q inside the hull (r* = 0, every lambda_i = 0): there is no gap
  unresolved       // the solver did not reach a certificate (iteration limit, numerical failure)
};

const char* to_string(HullStatus status);

struct HullOptions {
  /// Relative tolerance of the active-set solve; the certificate, not this number, decides status.
  double tolerance = 1e-12;
  int max_major_iterations = 10000;
  /// Initial working-set size (keys closest to q, plus the best pricing candidates).
  int initial_working_set = 64;
  /// Max number of violators added to the working set per pricing pass.
  int max_added_per_pass = 64;
};

struct HullProjection {
  HullStatus status = HullStatus::unresolved;
  Vector x;                   // projection x* (d)
  Vector residual;            // r* = q - x* (d)
  double residual_norm = 0;   // ||r*||
  std::vector<Index> face;    // active face F (sorted key indices; certified => exact face)
  Vector face_weights;        // p*_F (same order as `face`), sum 1, > 0 (strict complementarity)
  Vector lambda;              // KKT multipliers lambda_i for every key (n)
  Vector lambda_error;        // certified error bar of each lambda_i (n)
  double delta = kNaN;        // support gap Delta (min lambda outside F); NaN when F = all keys or no_gap
  double delta_lo = kNaN;     // certified interval for Delta
  double delta_hi = kNaN;
  double fw_gap = kNaN;       // Frank-Wolfe gap g at the returned x (>= 0)
  double x_error = kNaN;      // ||x - x*|| <= sqrt(2 g)
  int major_iterations = 0;   // active-set (Wolfe) major cycles, all working sets together
  int key_passes = 0;         // full passes over K (pricing + certificate)
  std::string message;        // why unresolved / ambiguous, empty otherwise
};

/// Exact projection of q onto conv{rows of keys} with its certificate (Wolfe minimum-norm-point on a
/// working set, pricing all keys each round, final exact face solve).
/// keys: n x d (n >= 1), q: d. Never throws on degenerate input; throws Error(bad_input) on
/// non-finite input or a dimension mismatch.
HullProjection project_onto_hull(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q,
                                 const HullOptions& options = {});

/// The same for many queries over one key set: queries (m x d) with visible prefix lengths
/// (visible[j] keys, empty = all n). Pricing passes over K are shared by the batch (K^T R products).
std::vector<HullProjection> project_onto_hull_batch(const Eigen::Ref<const Matrix>& keys,
                                                    const Eigen::Ref<const Matrix>& queries,
                                                    const std::vector<Index>& visible,
                                                    const HullOptions& options = {});

}  // namespace vashista
