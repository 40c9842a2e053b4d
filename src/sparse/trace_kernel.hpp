#pragma once
// Runs the CPU reference of Vashista Sparse Attention over one trace stream (docs/kernel.md,
// docs/trace-format.md "Kernel outputs").
//
// GQA groups: rows of `queries` sharing a `position` value form one group when both `query_head` and
// `position` are present; otherwise every row is a group of its own. Rows of one group must see the
// same causal prefix (query_length). Each group's page table is built over its visible prefix
// (keys 0 .. query_length-1): the last page may be partial, and its metadata covers only visible keys.
#include "sparse/params.hpp"
#include "trace/trace.hpp"

#include <string>
#include <vector>

namespace vashista {

/// The GQA groups of a stream: lists of query rows (each sorted), ordered by first row.
std::vector<std::vector<Index>> query_groups(const Stream& stream);

/// The KernelOutputs of `queries` queries with `value_dim` value columns before any query ran, shared by
/// the CPU reference and the CUDA runner (sparse/cuda_trace_kernel.hpp): the kernel's attributes (name
/// "vashista-sparse", version "1", bound "minmax", the given device and compute_dtype), the paging
/// parameters and eps list, no selected pages, zero outputs, NaN lse and tail bounds.
KernelOutputs empty_kernel_outputs(const SparseAttentionParams& params, const std::vector<double>& eps_list,
                                   Index queries, Index value_dim, std::string device, std::string compute_dtype);

/// Kernel outputs for every eps in `eps_list` (params.eps is ignored; every other field is used).
/// Attributes: name "vashista-sparse", version "1", bound "minmax", device "cpu-reference",
/// compute_dtype "float64". selected_pages[e][j] is the selection of query j's group.
KernelOutputs run_sparse_reference(const Stream& stream, const SparseAttentionParams& params,
                                   const std::vector<double>& eps_list);

}  // namespace vashista
