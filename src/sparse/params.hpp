#pragma once
// All arguments of Vashista Sparse Attention (docs/kernel.md), in one struct, shared by the CPU
// reference (sparse/sparse_attention.hpp) and the CUDA kernel (sparse/cuda_api.hpp).
#include "core/conventions.hpp"

namespace vashista {

/// Default page size B: tokens per KV-cache page (kernel.md "Inputs").
constexpr int kDefaultPageSize = 16;
/// Default page budget P: pages attended per GQA group (K_c = P * B = 1024 candidates at B = 16).
constexpr int kDefaultPageBudget = 64;
/// Default forced pages: the first `sink_pages` (attention sinks) and the last `recent_pages`.
constexpr int kDefaultSinkPages = 1;
constexpr int kDefaultRecentPages = 1;
/// Hierarchical routing (kernel.md "Hierarchical routing"): default super-pages refined per group (R,
/// forced super-pages included). Super-page size 0 = flat v1 routing (the default).
constexpr int kDefaultSuperpageRefine = 16;

struct SparseAttentionParams {
  int page_size = kDefaultPageSize;      // B, tokens per page (>= 1)
  int page_budget = kDefaultPageBudget;  // P, pages selected per group (forced pages included; >= 1)
  int sink_pages = kDefaultSinkPages;    // first pages always selected (>= 0)
  int recent_pages = kDefaultRecentPages;  // last pages always selected (>= 0)
  double eps = 1.0;    // softmax temperature (1 = deployed attention), > 0
  double delta = 0.0;  // adaptive mode target for tail_bound; 0 means fixed budget P; must be in [0, 1)
  double scale = kNaN; // tau; NaN = the stream's scale, else 1/sqrt(d)
  int superpage_size = 0;  // S, pages per super-page; 0 = flat v1 routing, else hierarchical (>= 2)
  int superpage_refine = kDefaultSuperpageRefine;  // R, super-pages refined per group (forced included; >= 1)
};

/// Throws ErrorKind::usage naming the bad field, as the `vashista kernel` option that sets it (--pages, ...),
/// when `params` is out of range.
void validate(const SparseAttentionParams& params);

/// tau actually used: params.scale if finite, else stream_scale if finite, else 1/sqrt(dim).
double resolve_scale(const SparseAttentionParams& params, double stream_scale, Index dim);

}  // namespace vashista
