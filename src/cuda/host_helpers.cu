// Host helpers of vashista_cuda for tests and benchmarks: dtype rounding, batch upload with shared
// full pages and private partial pages, device memory wrappers. Plain C++ API: sparse/cuda_api.hpp.
#include "cuda/kernel_common.cuh"

#include <map>
#include <utility>
#include <vector>

namespace vashista::cuda {

double round_to_dtype(double x, KvDtype dtype) {
  // Rounded through float: bf16/fp16 values are exactly representable in float.
  if (dtype == KvDtype::bf16) return static_cast<double>(__bfloat162float(__float2bfloat16_rn(static_cast<float>(x))));
  return static_cast<double>(__half2float(__float2half_rn(static_cast<float>(x))));
}

namespace {

/// Host encoding of a double as 2-byte dtype bits.
uint16_t encode(double x, KvDtype dtype) {
  if (dtype == KvDtype::bf16) {
    const __nv_bfloat16 v = __float2bfloat16_rn(static_cast<float>(x));
    return *reinterpret_cast<const uint16_t*>(&v);
  }
  const __half v = __float2half_rn(static_cast<float>(x));
  return *reinterpret_cast<const uint16_t*>(&v);
}

}  // namespace

void encode_to_dtype(const double* x, size_t n, KvDtype dtype, uint16_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = encode(x[i], dtype);
}

Status upload_batch(DecodeShape shape, const std::vector<HostKvSource>& sources, const std::vector<int>& source_of_seq,
                    const std::vector<int>& seq_len, int extra_pages_per_seq, DeviceBatch* batch) {
  const int B = shape.page_size, D = shape.head_dim, H = shape.num_kv_heads;
  if (static_cast<int>(source_of_seq.size()) != shape.batch || static_cast<int>(seq_len.size()) != shape.batch)
    return {false, "vashista_cuda: upload_batch: source_of_seq and seq_len need one entry per sequence"};
  int max_pages = 1;
  for (int b = 0; b < shape.batch; ++b) {
    const int src = source_of_seq[b];
    if (src < 0 || src >= static_cast<int>(sources.size()) || seq_len[b] < 0 || seq_len[b] > sources[src].num_tokens ||
        static_cast<int>(sources[src].keys.size()) != H)
      return {false, "vashista_cuda: upload_batch: sequence " + std::to_string(b) + " has a bad source or length"};
    max_pages = std::max(max_pages, (seq_len[b] + B - 1) / B + extra_pages_per_seq);
  }
  // Physical pages: full page p of source s is shared ((s, p) -> id); a partial last page is private;
  // the extra pages for appends are private.
  struct PagePlan { int source, first_token, count; };
  std::vector<PagePlan> plan;
  std::map<std::pair<int, int>, int> shared;
  std::vector<int32_t> table(static_cast<size_t>(shape.batch) * max_pages, 0);
  for (int b = 0; b < shape.batch; ++b) {
    const int src = source_of_seq[b], len = seq_len[b];
    const int pages = (len + B - 1) / B;
    for (int p = 0; p < pages; ++p) {
      const int count = std::min(B, len - p * B);
      int id;
      if (count == B) {
        auto [it, inserted] = shared.emplace(std::make_pair(src, p), static_cast<int>(plan.size()));
        if (inserted) plan.push_back({src, p * B, B});
        id = it->second;
      } else {
        id = static_cast<int>(plan.size());
        plan.push_back({src, p * B, count});
      }
      table[static_cast<size_t>(b) * max_pages + p] = id;
    }
    for (int p = pages; p < max_pages; ++p) {  // room to append (a partial page's continuation stays private)
      table[static_cast<size_t>(b) * max_pages + p] = static_cast<int>(plan.size());
      plan.push_back({src, p * B, 0});
    }
  }
  shape.max_pages_per_seq = max_pages;
  shape.num_physical_pages = static_cast<int>(plan.size());
  Status st = check_shape(shape);
  if (!st.ok) return st;

  const size_t page_elems = static_cast<size_t>(H) * B * D;
  std::vector<uint16_t> keys(plan.size() * page_elems, 0), values(plan.size() * page_elems, 0);
  std::vector<int32_t> meta_pages, meta_counts;
  for (size_t id = 0; id < plan.size(); ++id) {
    const PagePlan& pp = plan[id];
    if (pp.count > 0) {
      meta_pages.push_back(static_cast<int32_t>(id));
      meta_counts.push_back(pp.count);
    }
    const HostKvSource& src = sources[pp.source];
    for (int h = 0; h < H; ++h) {
      for (int t = 0; t < pp.count; ++t) {
        const size_t dst = ((id * H + h) * B + t) * D;
        const size_t from = static_cast<size_t>(pp.first_token + t) * D;
        for (int d = 0; d < D; ++d) {
          keys[dst + d] = encode(src.keys[h][from + d], shape.dtype);
          values[dst + d] = src.values.empty() ? 0 : encode(src.values[h][from + d], shape.dtype);
        }
      }
    }
  }
  DeviceBatch out;
  out.shape = shape;
  out.seq_len.assign(seq_len.begin(), seq_len.end());
  out.block_table = table;
  auto alloc = [&](void** ptr, size_t bytes) -> Status {
    VASHISTA_CUDA_TRY(cudaMalloc(ptr, bytes), "upload_batch: cudaMalloc");
    out.allocations.push_back(*ptr);
    return {};
  };
  const size_t meta_elems = plan.size() * H * D;
  void *k = nullptr, *v = nullptr, *lo = nullptr, *hi = nullptr, *vn = nullptr, *bt = nullptr, *sl = nullptr, *mp = nullptr, *mc = nullptr;
  for (auto [ptr, bytes] : {std::pair<void**, size_t>{&k, keys.size() * 2}, {&v, values.size() * 2}, {&lo, meta_elems * 2},
                            {&hi, meta_elems * 2}, {&vn, plan.size() * H * sizeof(float)}, {&bt, table.size() * 4},
                            {&sl, seq_len.size() * 4}, {&mp, std::max<size_t>(1, meta_pages.size()) * 4},
                            {&mc, std::max<size_t>(1, meta_counts.size()) * 4}}) {
    st = alloc(ptr, bytes);
    if (!st.ok) {
      free_device_batch(&out);
      return st;
    }
  }
  out.cache = {k, v, lo, hi, static_cast<float*>(vn), static_cast<int32_t*>(bt), static_cast<int32_t*>(sl)};
  VASHISTA_CUDA_TRY(cudaMemcpy(k, keys.data(), keys.size() * 2, cudaMemcpyHostToDevice), "upload_batch: keys");
  VASHISTA_CUDA_TRY(cudaMemcpy(v, values.data(), values.size() * 2, cudaMemcpyHostToDevice), "upload_batch: values");
  VASHISTA_CUDA_TRY(cudaMemset(lo, 0, meta_elems * 2), "upload_batch: kmin");
  VASHISTA_CUDA_TRY(cudaMemset(hi, 0, meta_elems * 2), "upload_batch: kmax");
  VASHISTA_CUDA_TRY(cudaMemset(vn, 0, plan.size() * H * sizeof(float)), "upload_batch: vmax");
  VASHISTA_CUDA_TRY(cudaMemcpy(bt, table.data(), table.size() * 4, cudaMemcpyHostToDevice), "upload_batch: block table");
  VASHISTA_CUDA_TRY(cudaMemcpy(sl, out.seq_len.data(), seq_len.size() * 4, cudaMemcpyHostToDevice), "upload_batch: seq_len");
  if (!meta_pages.empty()) {
    VASHISTA_CUDA_TRY(cudaMemcpy(mp, meta_pages.data(), meta_pages.size() * 4, cudaMemcpyHostToDevice), "upload_batch: pages");
    VASHISTA_CUDA_TRY(cudaMemcpy(mc, meta_counts.data(), meta_counts.size() * 4, cudaMemcpyHostToDevice), "upload_batch: counts");
    st = build_page_metadata(shape, out.cache, static_cast<int32_t*>(mp), static_cast<int32_t*>(mc),
                             static_cast<int>(meta_pages.size()), nullptr);
    if (!st.ok) return st;
  }
  if (shape.pages_per_super > 0) {  // super-page metadata per (sequence, KV head), from the page metadata
    const size_t super_slots = static_cast<size_t>(shape.batch) * H * max_superpages_per_seq(shape);
    void *slo = nullptr, *shi = nullptr, *svn = nullptr;
    for (auto [ptr, bytes] : {std::pair<void**, size_t>{&slo, super_slots * D * 2}, {&shi, super_slots * D * 2},
                              {&svn, super_slots * sizeof(float)}}) {
      st = alloc(ptr, bytes);
      if (!st.ok) {
        free_device_batch(&out);
        return st;
      }
    }
    VASHISTA_CUDA_TRY(cudaMemset(slo, 0, super_slots * D * 2), "upload_batch: super kmin");
    VASHISTA_CUDA_TRY(cudaMemset(shi, 0, super_slots * D * 2), "upload_batch: super kmax");
    VASHISTA_CUDA_TRY(cudaMemset(svn, 0, super_slots * sizeof(float)), "upload_batch: super vmax");
    out.cache.super_kmin = slo;
    out.cache.super_kmax = shi;
    out.cache.super_vmax = static_cast<float*>(svn);
    st = build_superpage_metadata(shape, out.cache, nullptr);
    if (!st.ok) return st;
  }
  VASHISTA_CUDA_TRY(cudaDeviceSynchronize(), "upload_batch: metadata");
  *batch = std::move(out);
  return {};
}

void free_device_batch(DeviceBatch* batch) {
  for (void* p : batch->allocations) cudaFree(p);
  batch->allocations.clear();
  batch->cache = {};
}

Status device_alloc(void** ptr, size_t bytes) { return cuda_status(cudaMalloc(ptr, bytes), "cudaMalloc"); }
Status device_free(void* ptr) { return cuda_status(cudaFree(ptr), "cudaFree"); }
Status copy_to_device(void* dst, const void* src, size_t bytes) {
  return cuda_status(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy_to_device");
}
Status copy_to_host(void* dst, const void* src, size_t bytes) {
  return cuda_status(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy_to_host");
}
Status device_synchronize() { return cuda_status(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

std::string device_name() {
  int dev = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&dev) != cudaSuccess || cudaGetDeviceProperties(&prop, dev) != cudaSuccess) return "unknown CUDA device";
  return prop.name;
}

}  // namespace vashista::cuda
