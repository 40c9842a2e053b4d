#pragma once
// Judging a kernel's outputs against the exact dense computation in double (docs/kernel.md):
//   soundness: exact m_out outside the candidate set S <= the kernel's tail_bound,
//   output:    ||o_kernel - o_dense|| <= tail_bound (max_{unselected} ||v|| + ||o_S||) + the rounding of the
//              kernel's arithmetic on S, of this check's dense output and of the dtype the kernel's output was
//              stored in (the kernel's bound covers truncation, not rounding; bounds/softmax_rounding.hpp).
#include "analysis/query_record.hpp"
#include "bounds/softmax_rounding.hpp"
#include "trace/trace.hpp"

#include <vector>

namespace vashista {

/// Slack (natural-log units) for comparing the exact tail mass with a tail_bound that was stored
/// as float32: relative rounding of one float32 value is <= 2^-24, i.e. ln(1 + 2^-24) ~ 6e-8.
constexpr double kFloat32LogSlack = 1.2e-7;

/// The rounding model of a kernel's output (docs/kernel.md "How certify judges an output") from its
/// compute_dtype "[cache dtype/]arithmetic dtype": the arithmetic's unit roundoff (an unknown one: bfloat16's),
/// the normalisation of this project's kernels (CPU reference: log-sum-exp; CUDA: sum, and its evaluation order
/// over `selected_pages` pages; others: either), and the cache's rounding of the keys and
/// values (cache_rounding).
SoftmaxRoundingModel kernel_rounding_model(const KernelOutputs& kernel, Index dim, Index selected_pages,
                                           double cache_rounding);

/// The unit roundoff of the kernel's cache dtype when the stream's keys or values are not all exactly
/// representable in it (the kernel attended to rounded values), else 0.
double cache_rounding(const KernelOutputs& kernel, const Stream& stream);

/// What the kernel checks of one stream's queries share: |K| (for the absolute logit sums) and cache_rounding.
struct KernelCheckContext {
  Matrix abs_keys;
  double cache_rounding = 0.0;
};
KernelCheckContext kernel_check_context(const Stream& stream);

/// Candidate token indices (sorted) of the selected pages for a query that sees `visible` keys.
std::vector<Index> candidate_tokens(const std::vector<int32_t>& selected_pages, Index page_size, Index visible);

/// One `model = kernel` record for query j at the kernel's temperature index e (`context`: the stream's
/// kernel_check_context, built here when null).
QueryRecord check_kernel_query(const Stream& stream, Index j, Index e, double delta_target,
                               const KernelCheckContext* context = nullptr);

}  // namespace vashista
