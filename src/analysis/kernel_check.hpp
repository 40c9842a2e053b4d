#pragma once
// Judging a kernel's outputs against the exact dense computation in double (docs/kernel.md):
//   soundness: exact m_out outside the candidate set S <= the kernel's tail_bound,
//   output:    ||o_kernel - o_dense|| <= tail_bound (max_{unselected} ||v|| + ||o_S||) + arithmetic
//              tolerance of the kernel's compute dtype + the rounding of the dtype its output was
//              stored in (the bound covers truncation, not rounding).
#include "analysis/query_record.hpp"
#include "trace/trace.hpp"

#include <string_view>
#include <vector>

namespace vashista {

/// Slack (natural-log units) for comparing the exact tail mass with a tail_bound that was stored
/// as float32: relative rounding of one float32 value is <= 2^-24, i.e. ln(1 + 2^-24) ~ 6e-8.
constexpr double kFloat32LogSlack = 1.2e-7;

/// Relative arithmetic tolerance of a kernel's output for its compute dtype ("float64",
/// "float32", anything else is treated as float32 accumulation of 16-bit inputs).
double kernel_output_tolerance(std::string_view compute_dtype);

/// Candidate token indices (sorted) of the selected pages for a query that sees `visible` keys.
std::vector<Index> candidate_tokens(const std::vector<int32_t>& selected_pages, Index page_size, Index visible);

/// One `model = kernel` record for query j at the kernel's temperature index e.
QueryRecord check_kernel_query(const Stream& stream, Index j, Index e, double delta_target);

}  // namespace vashista
