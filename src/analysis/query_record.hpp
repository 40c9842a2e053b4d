#pragma once
// One report row: one (stream, query, model, eps). `certify` writes one row per (stream, query,
// model) at the user's eps; `sweep` one per eps. NaN marks a value that does not exist (an empty
// CSV cell, null in JSON), e.g. Delta when the status is no_gap.
#include "analysis/model.hpp"
#include "core/conventions.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vashista {

struct QueryRecord {
  std::string stream;
  Index query = 0;
  Model model = Model::softmax;
  Index n = 0;                        // keys visible to the query
  double eps = kNaN;                  // softmax temperature (1 = deployed attention)
  double eps_hull = kNaN;             // hull regulariser eps / scale (hull rows)
  std::string status;                 // certified | face_ambiguous | no_gap | unresolved (| sound/unsound for kernel)
  Index face_size = 0;                // |F| (kernel rows: number of candidate tokens)
  double delta = kNaN, delta_lo = kNaN, delta_hi = kNaN;  // support gap and its certified interval
  double log10_tail_measured = kNaN;  // log10 m_out(eps) outside the face (kernel: outside the candidates)
  double log10_tail_bound = kNaN;     // log10 of the bound named in `bound`
  std::string bound;                  // S, H1, H2 or certificate (kernel)
  std::optional<bool> bound_holds;    // measured <= bound (+ slack); empty when not compared
  std::optional<bool> safe;           // bound <= delta target
  double eps_star = kNaN;             // largest eps certified safe at delta (softmax temperature units)
  double k_eff = kNaN;                // effective support size at delta (exact)
  std::vector<Index> face;            // the face's key indices (kernel rows: selected pages' tokens)
  // Hull-model details.
  double eps0 = kNaN;                 // Theorem H1 threshold (hull units)
  double rho = kNaN;                  // ||x_eps - x*||
  double xprime_norm = kNaN;          // ||x'|| of Theorem H3 (NaN when not applicable)
  double duality_gap = kNaN;          // entropic solve: primal - dual
  double fw_gap = kNaN;               // exact projection: Frank-Wolfe gap
  std::string hull_certificate;       // hull rows: "linear" (face proven exact) or "frank_wolfe" (F ⊇ true face)
  std::optional<bool> face_exact;     // hull rows with a face: F proven to be the active face (else F contains it)
  double log10_tail_h1 = kNaN, log10_tail_h2 = kNaN;  // both hull bounds (H1 only when eps_hull <= eps0)
  // Kernel details.
  double output_error = kNaN;         // ||o_kernel - o_dense|| in double
  double output_error_bound = kNaN;   // kernel.md output-error bound
  double output_rounding = kNaN;      // rounding allowance: kernel arithmetic, dense reference, output storage
  std::optional<bool> output_within_bound;  // output_error <= output_error_bound + output_rounding
  std::string note;                   // why a comparison was not made, or what a violation was
};

/// True when the record is a bound violation (a finding: reported, never hidden).
inline bool is_violation(const QueryRecord& r) { return r.bound_holds.has_value() && !*r.bound_holds; }

}  // namespace vashista
