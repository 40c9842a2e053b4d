#pragma once
// What a report row must satisfy whatever the input (docs/reliability.md): a known status, and no
// NaN in a field that the status says exists. A broken invariant aborts the fuzzer (a finding).
#include "analysis/query_record.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace vashista::fuzz {

[[noreturn]] inline void invariant_failed(const QueryRecord& r, const char* what) {
  std::fprintf(stderr, "INVARIANT: %s (stream %s query %lld model %s status %s eps %g note '%s')\n", what,
               r.stream.c_str(), static_cast<long long>(r.query), to_string(r.model), r.status.c_str(), r.eps,
               r.note.c_str());
  std::abort();
}

inline void check_record(const QueryRecord& r) {
  const bool softmax_status = r.status == "certified" || r.status == "no_gap";
  const bool hull_status = softmax_status || r.status == "face_ambiguous" || r.status == "unresolved";
  const bool kernel_status = r.status == "sound" || r.status == "unsound";
  if (r.model == Model::softmax && !softmax_status) invariant_failed(r, "unknown softmax status");
  if (r.model == Model::hull && !hull_status) invariant_failed(r, "unknown hull status");
  if (r.model == Model::kernel && !kernel_status) invariant_failed(r, "unknown kernel status");
  if (!(std::isfinite(r.eps) && r.eps > 0)) invariant_failed(r, "eps not finite and > 0");
  if (r.n < 1) invariant_failed(r, "n < 1");
  if (r.bound_holds.has_value()) {
    if (std::isnan(r.log10_tail_measured)) invariant_failed(r, "compared but log10_tail_measured is NaN");
    if (std::isnan(r.log10_tail_bound)) invariant_failed(r, "compared but log10_tail_bound is NaN");
  }
  if (r.safe.has_value() && std::isnan(r.log10_tail_bound)) invariant_failed(r, "safe set but bound is NaN");
  if (r.status == "certified") {
    if (r.face_size < 1) invariant_failed(r, "certified with an empty face");
    if (r.face_size >= r.n && r.model == Model::softmax) invariant_failed(r, "certified softmax face is every key");
    if (std::isnan(r.delta_lo) || std::isnan(r.delta_hi)) invariant_failed(r, "certified but Delta interval is NaN");
    if (!(r.delta_lo > 0)) invariant_failed(r, "certified but delta_lo <= 0");
    if (r.delta_lo > r.delta_hi) invariant_failed(r, "delta_lo > delta_hi");
  }
  if (r.model == Model::softmax && std::isnan(r.k_eff)) invariant_failed(r, "softmax k_eff is NaN");
  if (r.model == Model::softmax && std::isnan(r.log10_tail_measured) && r.status == "certified")
    invariant_failed(r, "certified softmax row without a measured tail");
}

}  // namespace vashista::fuzz
