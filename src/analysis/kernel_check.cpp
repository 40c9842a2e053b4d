#include "analysis/kernel_check.hpp"

#include "core/error.hpp"
#include "core/log_sum_exp.hpp"
#include "solvers/softmax_model.hpp"

#include <algorithm>
#include <cmath>

namespace vashista {

double kernel_output_tolerance(std::string_view compute_dtype) {
  // float64 reference: accumulation error ~ n * 2^-53; float32: ~ n * 2^-24 with 16-bit inputs
  // already exact in the trace. A generous multiple of the unit roundoff covers the sums.
  return compute_dtype == "float64" ? 1e-12 : 1e-5;
}

std::vector<Index> candidate_tokens(const std::vector<int32_t>& selected_pages, Index page_size, Index visible) {
  std::vector<Index> tokens;
  for (int32_t page : selected_pages) {
    if (page < 0) continue;
    Index first = static_cast<Index>(page) * page_size;
    Index last = std::min(first + page_size, visible);
    for (Index i = first; i < last; ++i) tokens.push_back(i);
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

QueryRecord check_kernel_query(const Stream& stream, Index j, Index e, double delta_target) {
  const KernelOutputs& kernel = *stream.kernel;
  const Index n = stream.visible_keys(j);
  const double eps = kernel.eps[static_cast<size_t>(e)];
  QueryRecord r;
  r.stream = stream.name;
  r.query = j;
  r.model = Model::kernel;
  r.n = n;
  r.eps = eps;
  r.bound = "certificate";
  r.face = candidate_tokens(kernel.selected_pages[static_cast<size_t>(e)][static_cast<size_t>(j)],
                            kernel.page_size, n);
  r.face_size = static_cast<Index>(r.face.size());

  const Vector scores = stream.scale * (stream.keys.topRows(n) * stream.queries.row(j).transpose());
  const double ln_measured = log_mass_outside(scores, eps, r.face);
  const double bound = kernel.tail_bound(e, j);
  const double ln_bound = std::log(bound);
  r.log10_tail_measured = ln_measured / std::log(10.0);
  r.log10_tail_bound = ln_bound / std::log(10.0);
  if (!std::isfinite(bound) || bound < 0) {
    r.status = "unsound";
    r.bound_holds = false;
    r.note = "tail_bound is not a finite non-negative number";
    return r;
  }
  r.bound_holds = ln_measured <= ln_bound + kLogBoundSlack + kFloat32LogSlack;
  r.status = *r.bound_holds ? "sound" : "unsound";
  r.safe = bound <= delta_target;
  if (!*r.bound_holds) {
    r.note = "exact tail mass outside the kernel's candidates exceeds its tail_bound";
  }

  // The output check needs the values and the kernel's output (optional in the trace: a kernel group
  // without it, next to values, was read out of bounds here).
  if (stream.has_values() && e < static_cast<Index>(kernel.output.size())) {
    // Dense output o = sum_i p_i v_i at temperature eps over the visible keys, in double.
    Vector logits = scores / eps;
    const double lse = log_sum_exp(std::span<const double>(logits.data(), static_cast<size_t>(logits.size())));
    Vector weights = (logits.array() - lse).exp();
    Vector dense = stream.values.topRows(n).transpose() * weights;
    Vector kernel_out = kernel.output[static_cast<size_t>(e)].row(j).transpose();
    r.output_error = (kernel_out - dense).norm();
    // Output-error bound of docs/kernel.md: tail_bound * (max_{i outside S} ||v_i|| + ||o_S||).
    double max_value_outside = 0.0;
    std::vector<char> inside(static_cast<size_t>(n), 0);
    for (Index i : r.face) inside[static_cast<size_t>(i)] = 1;
    for (Index i = 0; i < n; ++i) {
      if (!inside[static_cast<size_t>(i)]) max_value_outside = std::max(max_value_outside, stream.values.row(i).norm());
    }
    r.output_error_bound = bound * (max_value_outside + kernel_out.norm());
    // Rounding: the kernel's arithmetic (compute dtype), plus the storage of its output in the trace (float32
    // outputs of a double-precision kernel differ from it by up to 2^-24 per entry, relative:
    // |stored_k - o_k| <= u |o_k| + tiny, so ||stored - o|| <= u ||stored|| / (1 - u) + sqrt(d_v) tiny).
    const double u = unit_roundoff(kernel.output_storage);
    const double storage = u * kernel_out.norm() / (1.0 - u) +
                           std::sqrt(static_cast<double>(kernel_out.size())) * subnormal_rounding(kernel.output_storage);
    const double arithmetic = kernel_output_tolerance(kernel.compute_dtype) * std::max(1.0, dense.norm()) + storage;
    r.output_within_bound = r.output_error <= r.output_error_bound + arithmetic;
    if (!*r.output_within_bound) {
      r.note += (r.note.empty() ? "" : "; ") + std::string("output error exceeds the kernel's output-error bound");
    }
  }
  return r;
}

}  // namespace vashista
