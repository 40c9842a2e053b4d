#pragma once
// Runs the CUDA kernel (sparse/cuda_api.hpp) over one trace stream and returns its KernelOutputs, the
// GPU counterpart of run_sparse_reference (sparse/trace_kernel.hpp). Header-only so that vashista_sparse
// never depends on CUDA: include it only where vashista_cuda is linked (VASHISTA_WITH_CUDA).
//
// Each GQA group (query_groups) becomes one sequence of the batch with one KV head; full pages of the
// stream are shared, the partial last page of each causal prefix is private. Groups must all have the
// same size g in {1, 2, 4, 8}. Keys/values are stored in `dtype` (rounded), queries in fp32.
#include "core/error.hpp"
#include "sparse/cuda_api.hpp"
#include "sparse/params.hpp"
#include "sparse/sparse_attention.hpp"
#include "sparse/trace_kernel.hpp"
#include "trace/trace.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace vashista {

inline void check_cuda_status(const cuda::Status& status) {
  VASHISTA_CHECK(status.ok, ErrorKind::device, "{}", status.message);
}

inline KernelOutputs run_sparse_cuda(const Stream& stream, const SparseAttentionParams& params,
                                     const std::vector<double>& eps_list, cuda::KvDtype dtype = cuda::KvDtype::bf16) {
  validate(params);
  VASHISTA_CHECK(!eps_list.empty(), ErrorKind::usage, "sparse kernel (cuda): stream {}: empty eps list", stream.name);
  const auto groups = query_groups(stream);
  const int g = static_cast<int>(groups.front().size());
  for (const auto& group : groups) {
    VASHISTA_CHECK(static_cast<int>(group.size()) == g, ErrorKind::usage,
                   "sparse kernel (cuda): stream {}: GQA groups of different sizes ({} and {})", stream.name, g,
                   group.size());
    for (Index j : group) {
      VASHISTA_CHECK(stream.visible_keys(j) == stream.visible_keys(group.front()) && stream.visible_keys(j) >= 1,
                     ErrorKind::bad_input, "sparse kernel (cuda): stream {}: query {} has a bad or inconsistent prefix",
                     stream.name, j);
    }
  }
  const int d = static_cast<int>(stream.dim());
  const int m = static_cast<int>(stream.num_queries());
  const int batch = static_cast<int>(groups.size());
  cuda::DecodeShape shape;
  shape.batch = batch;
  shape.num_q_heads = g;
  shape.num_kv_heads = 1;
  shape.head_dim = d;
  shape.page_size = params.page_size;
  shape.dtype = dtype;
  shape.pages_per_super = params.superpage_size;  // 0: flat routing, no super-page metadata

  std::vector<double> values;  // zeros when the stream has no values
  const bool has_values = stream.has_values();
  VASHISTA_CHECK(!has_values || stream.values.cols() == d, ErrorKind::usage,
                 "sparse kernel (cuda): stream {}: value dimension {} differs from key dimension {}", stream.name,
                 stream.values.cols(), d);
  cuda::HostKvSource source;
  source.num_tokens = static_cast<int>(stream.num_keys());
  source.keys = {stream.keys.data()};
  if (has_values) source.values = {stream.values.data()};
  std::vector<int> seq_len(static_cast<size_t>(batch)), source_of_seq(static_cast<size_t>(batch), 0);
  int max_pages = 1;
  for (int b = 0; b < batch; ++b) {
    seq_len[static_cast<size_t>(b)] = static_cast<int>(stream.visible_keys(groups[static_cast<size_t>(b)].front()));
    max_pages = std::max(max_pages, (seq_len[static_cast<size_t>(b)] + params.page_size - 1) / params.page_size);
  }
  cuda::DeviceBatch device;
  check_cuda_status(cuda::upload_batch(shape, {source}, source_of_seq, seq_len, 0, &device));
  shape = device.shape;

  const int max_selected = params.delta > 0.0 ? max_pages
                                              : std::max(params.page_budget, params.sink_pages + params.recent_pages);
  std::vector<float> queries(static_cast<size_t>(batch) * g * d);
  for (int b = 0; b < batch; ++b)
    for (int h = 0; h < g; ++h)
      for (int k = 0; k < d; ++k)
        queries[(static_cast<size_t>(b) * g + h) * d + k] =
            static_cast<float>(stream.queries(groups[static_cast<size_t>(b)][static_cast<size_t>(h)], k));
  const size_t rows = static_cast<size_t>(batch) * g;
  std::vector<void*> buffers;
  auto alloc = [&](size_t bytes) {
    void* p = nullptr;
    check_cuda_status(cuda::device_alloc(&p, bytes));
    buffers.push_back(p);
    return p;
  };
  KernelOutputs out;
  try {
    auto* q_dev = static_cast<float*>(alloc(queries.size() * sizeof(float)));
    check_cuda_status(cuda::copy_to_device(q_dev, queries.data(), queries.size() * sizeof(float)));
    cuda::DecodeOutputs dev_out;
    dev_out.output = static_cast<float*>(alloc(rows * d * sizeof(float)));
    dev_out.lse = static_cast<float*>(alloc(rows * sizeof(float)));
    dev_out.log_tail_bound = static_cast<float*>(alloc(rows * sizeof(float)));
    dev_out.tail_bound = static_cast<float*>(alloc(rows * sizeof(float)));
    dev_out.output_error_bound = static_cast<float*>(alloc(rows * sizeof(float)));
    dev_out.selected_pages = static_cast<int32_t*>(alloc(static_cast<size_t>(batch) * max_selected * sizeof(int32_t)));
    dev_out.num_selected = static_cast<int32_t*>(alloc(static_cast<size_t>(batch) * sizeof(int32_t)));
    dev_out.max_selected = max_selected;
    cuda::DecodeWorkspace* ws = nullptr;
    check_cuda_status(cuda::create_workspace(shape, max_selected, &ws));

    out = empty_kernel_outputs(params, eps_list, m, has_values ? d : 0, cuda::device_name(),
                               dtype == cuda::KvDtype::bf16 ? "bfloat16/float32" : "float16/float32");
    const Index num_eps = static_cast<Index>(eps_list.size());
    std::vector<float> o(rows * d), lse(rows), log_tail(rows);
    std::vector<int32_t> sel(static_cast<size_t>(batch) * max_selected), nsel(static_cast<size_t>(batch));
    for (Index e = 0; e < num_eps; ++e) {
      cuda::DecodeParams dp;
      dp.page_budget = params.page_budget;
      dp.sink_pages = params.sink_pages;
      dp.recent_pages = params.recent_pages;
      dp.hierarchical = params.superpage_size > 0;
      dp.refine_budget = params.superpage_refine;
      dp.eps = static_cast<float>(eps_list[static_cast<size_t>(e)]);
      dp.scale = static_cast<float>(resolve_scale(params, stream.scale, stream.dim()));
      const cuda::Status st = cuda::decode_step_adaptive(shape, device.cache, q_dev, dp, static_cast<float>(params.delta),
                                                         ws, dev_out, nullptr, nullptr);
      if (!st.ok) cuda::destroy_workspace(ws);
      check_cuda_status(st);
      check_cuda_status(cuda::copy_to_host(o.data(), dev_out.output, o.size() * sizeof(float)));
      check_cuda_status(cuda::copy_to_host(lse.data(), dev_out.lse, lse.size() * sizeof(float)));
      check_cuda_status(cuda::copy_to_host(log_tail.data(), dev_out.log_tail_bound, log_tail.size() * sizeof(float)));
      check_cuda_status(cuda::copy_to_host(sel.data(), dev_out.selected_pages, sel.size() * sizeof(int32_t)));
      check_cuda_status(cuda::copy_to_host(nsel.data(), dev_out.num_selected, nsel.size() * sizeof(int32_t)));
      for (int b = 0; b < batch; ++b) {
        const std::vector<int32_t> pages(sel.begin() + static_cast<long>(b) * max_selected,
                                         sel.begin() + static_cast<long>(b) * max_selected + nsel[static_cast<size_t>(b)]);
        for (int h = 0; h < g; ++h) {
          const Index j = groups[static_cast<size_t>(b)][static_cast<size_t>(h)];
          const size_t row = static_cast<size_t>(b) * g + h;
          out.selected_pages[static_cast<size_t>(e)][static_cast<size_t>(j)] = pages;
          if (has_values)
            for (int k = 0; k < d; ++k) out.output[static_cast<size_t>(e)](j, k) = o[row * d + k];
          out.lse(e, j) = lse[row];
          // In double from the log (no float underflow below 1e-38; never 0 for a non-empty tail).
          out.tail_bound(e, j) = tail_bound_from_log(static_cast<double>(log_tail[row]));
        }
      }
    }
    cuda::destroy_workspace(ws);
  } catch (...) {
    for (void* p : buffers) cuda::device_free(p);
    cuda::free_device_batch(&device);
    throw;
  }
  for (void* p : buffers) cuda::device_free(p);
  cuda::free_device_batch(&device);
  return out;
}

}  // namespace vashista
