#pragma once
// The softmax-model record of one query (docs/theory.md section 1, Theorem S): exact-tie face
// (eta = 0), Delta, exact ln m_out at eps, B_S, eps*(delta), k_eff(delta).
#include "analysis/query_record.hpp"
#include "trace/trace.hpp"

namespace vashista {

QueryRecord check_softmax_query(const Stream& stream, Index j, double eps, double delta_target);

}  // namespace vashista
