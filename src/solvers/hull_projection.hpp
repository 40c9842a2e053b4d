#pragma once
// Exact Euclidean projection of a query onto the convex hull of the keys (docs/theory.md, section 2).
//
//   P0: min_{p in simplex_n} f(p) = 1/2 ||K^T p - q||^2,   x* = K^T p*,   r* = q - x*.
//   KKT multipliers: lambda_i = <x* - k_i, r*> >= 0 (nu = <x*, r*>), active face F = {i : lambda_i = 0},
//   support gap Delta = min_{i not in F} lambda_i.
//   Certificate (for any x = K^T p, p in the simplex, r = q - x):
//     Frank-Wolfe gap g = max_i <r, k_i - x>  >=  f(p) - f(p*)  >=  1/2 ||x - x*||^2,
//     so ||x - x*|| <= e := sqrt(2 g), and |lambda_i(x) - lambda_i(x*)| <= e (||r|| + ||x - k_i||) + 3 e^2.
//   The computed lambda_i also carries a floating-point rounding bound rho_i (derived in
//   hull_projection.cpp); the gap used for e is the certified upper bound max_i(rho_i - lambda_i) >= g,
//   and lambda_error_i = rho_i + e (||r|| + ||x - k_i|| + ...) + 3 e^2.
//   Classification (lo_i = lambda_i - lambda_error_i, hi_i = lambda_i + lambda_error_i):
//     no_gap          ||r|| <= x_error: r* = 0 (q in the hull, on its boundary included) is consistent
//                     with the certificate; face = keys whose lambda is within its error bar of 0.
//     face F          {i : lo_i <= 0}; every key outside F is proven outside the true face (lambda_i > 0).
//     certified       separated: max_{i in F} hi_i < delta_lo = min_{i not in F} lo_i, i.e. no face
//                     multiplier can reach the smallest outside multiplier; Delta in [delta_lo, delta_hi].
//     face_ambiguous  not separated (some multiplier is at the scale of the error bars): never guessed.
//     unresolved      some hi_i < 0 (the point is provably not optimal), with a message.
//   What the Frank-Wolfe certificate cannot prove: a key with 0 < lambda_i* < ~2 lambda_error_i (the
//   bars are ~ sqrt(rounding)) is indistinguishable from a face key; such a key lands in F (F always
//   contains the true face). So `certified` means separated: F contains the true face, Delta_F is
//   proven, and the tail theorems hold for F; face_exact says whether F is also proven to be the face.
//   Linear certificate (hull_projection.cpp, docs/theory.md): when Wolfe's corral C can be proven to be
//   the exact face (x_A = projection onto aff(C) has positive barycentric weights and every other key a
//   multiplier provably > 0, with a rigorous bound on ||G^{-1}||, G the Gram matrix of C's differences),
//   F = C exactly, the status is certified and every bar is linear in the rounding
//   (HullProjection::linear_certificate).
// Algorithm (docs/theory.md section 3): pass 1 computes <k_i, q> and ||k_i||; Wolfe's minimum-norm
// point (solvers/min_norm_point.hpp: QR on differences with O(d m) updates, final Householder solve on
// the corral) runs on a small working set; a pricing pass computes every lambda_i; violators beyond
// their rounding margin join the working set; the pass without outside violators is the certificate.
// With screening (HullOptions::screening) W0 and then a candidate pool are priced alone first, and the
// query-axis bound (hull_projection.cpp, price_by_query_axis) may then prove every other key outside the
// face from pass 1 alone (far queries: one pass over K in all); pricing passes after a full one read only
// the surviving keys, the others certified by a Lipschitz bound from the last full pass. Given the stream's
// 16-bit copy of the keys (solvers/quantized_keys.hpp), a single query's pass 1 and full pricing passes read
// the copy and re-price from K only the keys near the face.
#include "core/conventions.hpp"
#include "solvers/key_norms.hpp"
#include "solvers/quantized_keys.hpp"

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
  /// Safe screening (hull_projection.cpp, "Screening"): after a full pricing pass at x0 that still finds
  /// violators, only the keys whose multiplier could reach 0 within a move of radius R from x0 are
  /// re-priced; every other key is certified from its pass value plus the bound
  ///   lambda_i(x) >= lambda_i(x0) + <x - x0, q - x> - ||x0 - k_i|| ||x - x0||,
  /// with a full pass again whenever that bound no longer proves lambda_i > 0. Screened keys get the
  /// wider (still rigorous) error bar of the bound. false: every pricing pass reads every key (no
  /// candidate pool either).
  bool screening = true;
  /// Fraction of the keys kept (re-priced) by screening; R is set so that about this many remain. Also
  /// the size of the candidate pool (keys nearest q or farthest along q, at least 4 initial_working_set)
  /// that is priced alone before the first full pass, in every batch, when the query-axis bound does not
  /// already certify at W0's solution. screening = false also turns off W0-first pricing, the pool and the
  /// query-axis bound.
  double screening_fraction = 0.125;
  /// Screening is used only for batches of at most this many queries: it keeps four n-sized arrays per
  /// query, and in a larger batch a shared full pass costs each query about as little as its
  /// own scattered partial passes, so every pricing pass after the first full one is full there.
  int screening_max_batch = 4;
};

struct HullProjection {
  HullStatus status = HullStatus::unresolved;
  Vector x;                   // projection x* (d)
  Vector residual;            // r* = q - x* (d)
  double residual_norm = 0;   // ||r*||
  /// Face F (sorted key indices). It always contains the true active face (every key outside F is
  /// proven to have lambda_i > 0); it *is* the true face when face_exact.
  std::vector<Index> face;
  /// p*_F (same order as `face`), sum 1, >= 0; > 0 (strict complementarity) whenever it could be
  /// reached: Wolfe's corral gets positive weights, and face keys outside the corral (duplicates,
  /// affinely dependent faces) get weight by mixing with the least-norm solution on F when that stays
  /// positive; otherwise the basic solution (zeros on those keys) is returned, since p*_F is not unique.
  Vector face_weights;
  Vector lambda;              // KKT multipliers lambda_i for every key (n)
  Vector lambda_error;        // certified error bar of each lambda_i (n)
  /// Delta_F = min lambda outside F: the support gap when face_exact; otherwise Delta_F >= the true gap
  /// (F may hold keys with tiny positive lambda), which is what Theorems H1/H2 need for this F
  /// (docs/theory.md, "Frank-Wolfe faces"). NaN when F = all keys or no_gap.
  double delta = kNaN;
  double delta_lo = kNaN;     // certified interval for Delta
  double delta_hi = kNaN;
  double fw_gap = kNaN;       // certified upper bound of the Frank-Wolfe gap g at the returned x (>= 0)
  double x_error = kNaN;      // ||x - x*|| <= sqrt(2 fw_gap) + rounding of x
  int major_iterations = 0;   // active-set (Wolfe) major cycles, all working sets together
  int key_passes = 0;         // full passes over K (pass 1 + full pricing passes)
  int copy_passes = 0;        // passes over the stream's 16-bit copy instead (pass 1, full pricing passes)
  int screened_passes = 0;    // pricing passes over the surviving keys only (screening)
  Index screened_keys = 0;    // keys whose final lambda/lambda_error come from the screening bound
  /// true: the linear certificate on Wolfe's corral held (hull_projection.cpp): x* is the projection onto
  /// the corral's affine hull, the face is exactly the corral, and every error bar is linear in the
  /// rounding. false: the bars are those of the Frank-Wolfe certificate (~ sqrt of the rounding).
  bool linear_certificate = false;
  /// true: F is proven to be exactly the active face: the linear certificate held, or F is a single key
  /// (the true face is non-empty when q is outside the hull, and inside F). Theorem H3 needs it.
  bool face_exact = false;
  std::string message;        // why unresolved / ambiguous, empty otherwise
};

/// Exact projection of q onto conv{rows of keys} with its certificate (Wolfe minimum-norm-point on a
/// working set, pricing all keys each round, final exact face solve).
/// keys: n x d (n >= 1), q: d. Never throws on degenerate input; throws Error(bad_input) on
/// non-finite input (or a key norm beyond ~1e154) or a dimension mismatch.
HullProjection project_onto_hull(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q,
                                 const HullOptions& options = {});

/// The same, written into `result`: its vectors are reused (a loop over queries allocates nothing once
/// n stops changing; freeing and re-faulting n-sized arrays cost ~40% of a query at n = 16384).
void project_onto_hull(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Vector>& q,
                       const HullOptions& options, HullProjection& result);

/// The same with the key norms of the stream computed once (solvers/key_norms.hpp): pass 1 then computes
/// the scores <k_i, q> alone. norms must cover at least the keys' rows (Error(bad_input) otherwise).
void project_onto_hull(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms, const Eigen::Ref<const Vector>& q,
                       const HullOptions& options, HullProjection& result);

/// The same with the stream's 16-bit copy of the keys as well (solvers/quantized_keys.hpp, built from these
/// norms and kept with the keys like them): pass 1 and the full pricing passes then read the copy, a quarter
/// of the keys' bytes, with its rigorous error bound, and price from K only the keys that the bound leaves
/// near the face (docs/theory.md, "Pricing from a 16-bit copy"); when those would exceed 1/16 of the keys,
/// the pricing pass reads K (and forms the exact scores as it goes). A far query then reads no row of K but its
/// working set's and a few unproven keys' (HullProjection::key_passes 0, copy_passes 1). The same status,
/// face and Delta as without the copy; screened keys' bars may be wider. copy must cover at least the keys'
/// rows (Error(bad_input) otherwise).
void project_onto_hull(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms, const QuantizedKeys& copy,
                       const Eigen::Ref<const Vector>& q, const HullOptions& options, HullProjection& result);

/// The same for many queries over one key set: queries (m x d) with visible prefix lengths
/// (visible[j] keys, empty = all n). Pricing passes over K are shared by the batch (K^T R products).
/// Every call keeps its per-query workspace (about 12 doubles per visible key and query) on the calling
/// thread for the next call, unless it exceeds 1 GiB.
std::vector<HullProjection> project_onto_hull_batch(const Eigen::Ref<const Matrix>& keys,
                                                    const Eigen::Ref<const Matrix>& queries,
                                                    const std::vector<Index>& visible,
                                                    const HullOptions& options = {});

/// The same, written into `results` (resized to the number of queries; their storage is reused).
void project_onto_hull_batch(const Eigen::Ref<const Matrix>& keys, const Eigen::Ref<const Matrix>& queries,
                             const std::vector<Index>& visible, const HullOptions& options,
                             std::vector<HullProjection>& results);

/// The same with the stream's key norms computed once (see the single-query overload).
void project_onto_hull_batch(const Eigen::Ref<const Matrix>& keys, const KeyNorms& norms,
                             const Eigen::Ref<const Matrix>& queries, const std::vector<Index>& visible,
                             const HullOptions& options, std::vector<HullProjection>& results);

}  // namespace vashista
