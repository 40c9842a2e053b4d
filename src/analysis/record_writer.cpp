#include "analysis/record_writer.hpp"

#include <cmath>
#include <string>

namespace vashista {

namespace {

constexpr size_t kMaxFaceKeysListed = 256;  // longer faces leave the `face` cell empty

std::string join_face(const std::vector<Index>& face) {
  if (face.size() > kMaxFaceKeysListed) return "";
  std::string text;
  for (size_t i = 0; i < face.size(); ++i) {
    if (i) text += ';';
    text += std::to_string(face[i]);
  }
  return text;
}

}  // namespace

RecordCsvWriter::RecordCsvWriter(std::ostream& out)
    : csv_(out, {"stream", "query", "model", "n", "eps", "status", "face_size", "delta", "delta_lo", "delta_hi",
                 "log10_tail_measured", "log10_tail_bound", "bound", "bound_holds", "safe", "eps_star", "k_eff",
                 "face", "eps_hull", "eps0", "log10_tail_h1", "log10_tail_h2", "log10_tightness", "rho",
                 "rho_over_eps", "xprime_norm", "duality_gap", "fw_gap", "hull_certificate", "face_exact", "output_error", "output_error_bound",
                 "output_rounding", "output_within_bound", "note"}) {}

void RecordCsvWriter::write(const QueryRecord& r) {
  // tightness = bound / measured, reported as log10 (>= 0 when the bound holds).
  const double tightness = r.bound_holds ? r.log10_tail_bound - r.log10_tail_measured : kNaN;
  const double rho_over_eps = r.rho / r.eps_hull;
  csv_.cell(r.stream)
      .cell(static_cast<long long>(r.query))
      .cell(to_string(r.model))
      .cell(static_cast<long long>(r.n))
      .cell(r.eps)
      .cell(r.status)
      .cell(static_cast<long long>(r.face_size))
      .cell(r.delta)
      .cell(r.delta_lo)
      .cell(r.delta_hi)
      .cell(r.log10_tail_measured)
      .cell(r.log10_tail_bound)
      .cell(r.bound)
      .cell(r.bound_holds)
      .cell(r.safe)
      .cell(r.eps_star)
      .cell(r.k_eff)
      .cell(join_face(r.face))
      .cell(r.eps_hull)
      .cell(r.eps0)
      .cell(r.log10_tail_h1)
      .cell(r.log10_tail_h2)
      .cell(std::isfinite(tightness) ? tightness : kNaN)
      .cell(r.rho)
      .cell(std::isfinite(rho_over_eps) ? rho_over_eps : kNaN)
      .cell(r.xprime_norm)
      .cell(r.duality_gap)
      .cell(r.fw_gap)
      .cell(r.hull_certificate)
      .cell(r.face_exact)
      .cell(r.output_error)
      .cell(r.output_error_bound)
      .cell(r.output_rounding)
      .cell(r.output_within_bound)
      .cell(r.note);
  csv_.end_row();
}

}  // namespace vashista
