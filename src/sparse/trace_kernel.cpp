#include "sparse/trace_kernel.hpp"

#include "core/error.hpp"
#include "sparse/paged_kv_cache.hpp"
#include "sparse/sparse_attention.hpp"

#include <algorithm>
#include <exception>
#include <cmath>
#include <map>
#include <utility>

namespace vashista {

std::vector<std::vector<Index>> query_groups(const Stream& stream) {
  const Index m = stream.num_queries();
  std::vector<std::vector<Index>> groups;
  if (stream.query_head.empty() || stream.position.empty()) {
    for (Index j = 0; j < m; ++j) groups.push_back({j});
    return groups;
  }
  std::map<int64_t, size_t> group_of_position;
  for (Index j = 0; j < m; ++j) {
    const int64_t pos = stream.position[static_cast<size_t>(j)];
    auto [it, inserted] = group_of_position.emplace(pos, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(j);
  }
  return groups;
}

KernelOutputs empty_kernel_outputs(const SparseAttentionParams& params, const std::vector<double>& eps_list,
                                   Index queries, Index value_dim, std::string device, std::string compute_dtype) {
  KernelOutputs out;
  out.name = "vashista-sparse";
  out.version = "1";
  out.bound = "minmax";
  out.device = std::move(device);
  out.compute_dtype = std::move(compute_dtype);
  // Outputs are stored in the precision they were computed in when that is double (the CPU reference),
  // so that `certify` checks them at double precision; float32 otherwise.
  out.output_storage = out.compute_dtype == "float64" ? StorageDtype::float64 : StorageDtype::float32;
  out.page_size = params.page_size;
  out.page_budget = params.page_budget;
  out.sink_pages = params.sink_pages;
  out.recent_pages = params.recent_pages;
  out.eps = eps_list;
  const Index num_eps = static_cast<Index>(eps_list.size());
  out.selected_pages.assign(eps_list.size(), std::vector<std::vector<int32_t>>(static_cast<size_t>(queries)));
  // No values, no output (the dataset is optional): [m, 0] blocks were refused by the writer, so `kernel`
  // failed on every trace without values.
  if (value_dim > 0) out.output.assign(eps_list.size(), Matrix::Zero(queries, value_dim));
  out.lse = Matrix::Constant(num_eps, queries, kNaN);
  out.tail_bound = Matrix::Constant(num_eps, queries, kNaN);
  return out;
}

KernelOutputs run_sparse_reference(const Stream& stream, const SparseAttentionParams& params,
                                   const std::vector<double>& eps_list) {
  validate(params);
  VASHISTA_CHECK(!eps_list.empty(), ErrorKind::usage, "sparse kernel: stream {}: empty eps list", stream.name);
  for (double eps : eps_list) {
    VASHISTA_CHECK(eps > 0.0 && std::isfinite(eps), ErrorKind::usage, "sparse kernel: eps {} must be finite and > 0", eps);
  }
  const Index m = stream.num_queries();
  const Index dv = stream.has_values() ? stream.values.cols() : 0;
  const double scale = resolve_scale(params, stream.scale, stream.dim());
  const auto groups = query_groups(stream);
  for (const auto& group : groups) {
    for (Index j : group) {
      VASHISTA_CHECK(stream.visible_keys(j) == stream.visible_keys(group.front()), ErrorKind::bad_input,
                     "sparse kernel: stream {}: queries {} and {} share a GQA group but see {} and {} keys",
                     stream.name, group.front(), j, stream.visible_keys(group.front()), stream.visible_keys(j));
      VASHISTA_CHECK(stream.visible_keys(j) >= 1 && stream.visible_keys(j) <= stream.num_keys(), ErrorKind::bad_input,
                     "sparse kernel: stream {}: query {} sees {} keys, outside [1, {}]", stream.name, j,
                     stream.visible_keys(j), stream.num_keys());
    }
  }

  KernelOutputs out = empty_kernel_outputs(params, eps_list, m, dv, "cpu-reference", "float64");
  const Index num_eps = static_cast<Index>(eps_list.size());

  std::exception_ptr failure;  // an exception may not leave an OpenMP region
#pragma omp parallel for schedule(dynamic)
  for (Index gi = 0; gi < static_cast<Index>(groups.size()); ++gi) {
    try {
      const auto& group = groups[static_cast<size_t>(gi)];
      const PagedKVCache cache =
          build_paged_cache(stream.keys, stream.values, stream.visible_keys(group.front()), params.page_size);
      Matrix q(static_cast<Index>(group.size()), stream.dim());
      for (size_t r = 0; r < group.size(); ++r) q.row(static_cast<Index>(r)) = stream.queries.row(group[r]);
      for (Index e = 0; e < num_eps; ++e) {
        SparseAttentionParams at = params;
        at.eps = eps_list[static_cast<size_t>(e)];
        const SparseGroupResult result = sparse_attention_group(cache, q, at, scale);
        std::vector<int32_t> pages(result.selected_pages.begin(), result.selected_pages.end());
        for (size_t r = 0; r < group.size(); ++r) {
          const Index j = group[r];
          const SparseHeadResult& head = result.heads[r];
          out.selected_pages[static_cast<size_t>(e)][static_cast<size_t>(j)] = pages;
          if (dv > 0) out.output[static_cast<size_t>(e)].row(j) = head.output.transpose();
          out.lse(e, j) = head.lse;
          out.tail_bound(e, j) = head.tail_bound;
        }
      }
    } catch (...) {
#pragma omp critical(vashista_sparse_trace_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return out;
}

}  // namespace vashista
