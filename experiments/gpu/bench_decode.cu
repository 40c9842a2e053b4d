// Decode-step latency of the CUDA Vashista Sparse Attention kernel (CUDA events), with bytes read and
// achieved bandwidth against a measured device-to-device copy bandwidth. Writes CSV to argv[1].
// Shapes: batch {1, 16}, 32 query / 8 KV heads, d = 128, bf16, page 16, P pages (default 64), T below.
// Modes: flat routing (v1) and hierarchical routing (super-pages of S = 64 pages, R = 16 refined; argv[3], argv[4]).
// The dense baseline (PyTorch SDPA) is timed by bench_sdpa.py in the same run (run_gpu.sh).
#include "sparse/cuda_api.hpp"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace vc = vashista::cuda;

#define CK(x)                                                                                   \
  do {                                                                                          \
    cudaError_t e = (x);                                                                        \
    if (e != cudaSuccess) {                                                                     \
      std::fprintf(stderr, "CUDA error %s at %s:%d\n", cudaGetErrorString(e), __FILE__, __LINE__); \
      std::exit(4);                                                                             \
    }                                                                                           \
  } while (0)

/// Pseudo-random bf16 in [-1, 1) from a hash of the index (no host transfer for 1M-token caches).
__global__ void fill_random(__nv_bfloat16* x, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed ^ static_cast<uint32_t>(i >> 32) * 40503u;
    h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    x[i] = __float2bfloat16((h >> 8) * (2.0f / 16777216.0f) - 1.0f);
  }
}
__global__ void iota_pages(int32_t* table, int32_t* counts, int n, int page_size) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) { table[i] = i; counts[i] = page_size; }
}

static void check(const vc::Status& s) {
  if (!s.ok) { std::fprintf(stderr, "%s\n", s.message.c_str()); std::exit(4); }
}

int main(int argc, char** argv) {
  const char* csv_path = argc > 1 ? argv[1] : "bench_sparse.csv";
  const int budget = argc > 2 ? std::atoi(argv[2]) : 64;
  const int superpage = argc > 3 ? std::atoi(argv[3]) : 64;
  const int refine = argc > 4 ? std::atoi(argv[4]) : 16;
  // Optional filters (profiling): argv[5] = "batch:T" runs only that shape, argv[6] = "flat" or "hierarchical".
  const std::string only_shape = argc > 5 ? argv[5] : "", only_mode = argc > 6 ? argv[6] : "";
  const int page_size = 16, d = 128, hq = 32, hkv = 8;
  FILE* csv = std::fopen(csv_path, "w");
  std::fprintf(csv, "kernel,mode,device,batch,T,page_size,page_budget,superpage,refine,ms,bytes_read,GBps,copy_GBps,frac_of_copy,mean_tail_bound\n");
  const std::string dev = vc::device_name();

  // Device copy bandwidth: D2D memcpy of 2 GiB, best of 5; bandwidth = (read + write) / time.
  double copy_gbps = 0.0;
  {
    const size_t bytes = size_t(2) << 30;
    void *a, *b;
    CK(cudaMalloc(&a, bytes)); CK(cudaMalloc(&b, bytes));
    cudaEvent_t e0, e1; CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
    CK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice));
    for (int r = 0; r < 5; ++r) {
      CK(cudaEventRecord(e0)); CK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice)); CK(cudaEventRecord(e1));
      CK(cudaEventSynchronize(e1)); float ms; CK(cudaEventElapsedTime(&ms, e0, e1));
      copy_gbps = std::max(copy_gbps, 2.0 * bytes / (ms * 1e-3) / 1e9);
    }
    CK(cudaFree(a)); CK(cudaFree(b));
    std::printf("device %s: copy bandwidth %.0f GB/s\n", dev.c_str(), copy_gbps);
  }

  for (int batch : {1, 16}) {
    for (long T : {16384L, 65536L, 131072L, 524288L, 1048576L}) {
      if (!only_shape.empty() && only_shape != std::to_string(batch) + ":" + std::to_string(T)) continue;
      const int pages_per_seq = static_cast<int>(T / page_size);
      const size_t phys = size_t(batch) * pages_per_seq;
      const size_t kv_elems = phys * hkv * page_size * d;
      size_t free_b = 0, total_b = 0;
      CK(cudaMemGetInfo(&free_b, &total_b));
      // KV + page metadata + super-page metadata + workspace candidates (<= pages + 1024 slots of 28 B per group).
      const size_t need = kv_elems * 2 * 2 + phys * hkv * (2 * d * 2 + 4) + phys * hkv * (2 * d * 2 + 4) / superpage +
                          size_t(batch) * hkv * (pages_per_seq + 2048) * 40 + (size_t(1) << 30);
      if (need > free_b) {
        std::printf("batch %d T %ld: skipped (needs %.1f GB, %.1f GB free)\n", batch, T, need / 1e9, free_b / 1e9);
        for (const char* mode : {"flat", "hierarchical"})
          std::fprintf(csv, "vashista-sparse,%s,%s,%d,%ld,%d,%d,%d,%d,skipped-oom,,,,,\n", mode, dev.c_str(), batch, T,
                       page_size, budget, superpage, refine);
        continue;
      }
      vc::DecodeShape shape{batch, hq, hkv, d, page_size, pages_per_seq, static_cast<int>(phys), vc::KvDtype::bf16, superpage};
      const size_t super_slots = size_t(batch) * hkv * vc::max_superpages_per_seq(shape);
      vc::DeviceKvCache cache;
      void *k, *v, *lo, *hi; float* vn; int32_t *bt, *sl, *cnt;
      CK(cudaMalloc(&k, kv_elems * 2)); CK(cudaMalloc(&v, kv_elems * 2));
      CK(cudaMalloc(&lo, phys * hkv * d * 2)); CK(cudaMalloc(&hi, phys * hkv * d * 2));
      CK(cudaMalloc(&vn, phys * hkv * 4)); CK(cudaMalloc(&bt, phys * 4)); CK(cudaMalloc(&cnt, phys * 4));
      CK(cudaMalloc(&sl, batch * 4));
      fill_random<<<4096, 256>>>(static_cast<__nv_bfloat16*>(k), kv_elems, 1u);
      fill_random<<<4096, 256>>>(static_cast<__nv_bfloat16*>(v), kv_elems, 2u);
      iota_pages<<<(phys + 255) / 256, 256>>>(bt, cnt, static_cast<int>(phys), page_size);
      std::vector<int32_t> lens(batch, static_cast<int32_t>(T));
      CK(cudaMemcpy(sl, lens.data(), batch * 4, cudaMemcpyHostToDevice));
      void *slo, *shi; float* svn;
      CK(cudaMalloc(&slo, super_slots * d * 2)); CK(cudaMalloc(&shi, super_slots * d * 2)); CK(cudaMalloc(&svn, super_slots * 4));
      cache = {k, v, lo, hi, vn, bt, sl, slo, shi, svn};
      check(vc::build_page_metadata(shape, cache, bt, cnt, static_cast<int>(phys), nullptr));
      check(vc::build_superpage_metadata(shape, cache, nullptr));
      float* q; CK(cudaMalloc(&q, size_t(batch) * hq * d * 4));
      {
        std::vector<float> hq_(size_t(batch) * hq * d);
        for (size_t i = 0; i < hq_.size(); ++i) hq_[i] = static_cast<float>((i * 7919 % 1000) / 500.0 - 1.0);
        CK(cudaMemcpy(q, hq_.data(), hq_.size() * 4, cudaMemcpyHostToDevice));
      }
      vc::DecodeOutputs out;
      const size_t rows = size_t(batch) * hq, groups = size_t(batch) * hkv;
      CK(cudaMalloc(&out.output, rows * d * 4)); CK(cudaMalloc(&out.lse, rows * 4));
      CK(cudaMalloc(&out.log_tail_bound, rows * 4)); CK(cudaMalloc(&out.tail_bound, rows * 4));
      CK(cudaMalloc(&out.output_error_bound, rows * 4));
      CK(cudaMalloc(&out.selected_pages, groups * budget * 4)); CK(cudaMalloc(&out.num_selected, groups * 4));
      out.max_selected = budget;
      vc::DecodeWorkspace* ws = nullptr;
      check(vc::create_workspace(shape, budget, &ws));
      cudaStream_t stream; CK(cudaStreamCreate(&stream));
      for (const bool hier : {false, true}) {
        if (!only_mode.empty() && only_mode != (hier ? "hierarchical" : "flat")) continue;
        vc::DecodeParams params;
        params.page_budget = budget;
        params.scale = 1.0f / std::sqrt(float(d));
        params.hierarchical = hier;
        params.refine_budget = refine;
        for (int w = 0; w < 3; ++w) check(vc::decode_step(shape, cache, q, params, ws, out, stream));
        CK(cudaStreamSynchronize(stream));
        cudaEvent_t e0, e1; CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
        const int iters = 20;
        CK(cudaEventRecord(e0, stream));
        for (int it = 0; it < iters; ++it) check(vc::decode_step(shape, cache, q, params, ws, out, stream));
        CK(cudaEventRecord(e1, stream));
        CK(cudaEventSynchronize(e1));
        CK(cudaGetLastError());
        float ms_total; CK(cudaEventElapsedTime(&ms_total, e0, e1));
        const double ms = ms_total / iters;
        std::vector<float> tails(rows);
        CK(cudaMemcpy(tails.data(), out.tail_bound, rows * 4, cudaMemcpyDeviceToHost));
        double mean_tail = 0.0;
        for (float t : tails) mean_tail += t / rows;
        // Bytes read per step (the model of the routing levels; workspace traffic of the candidates is not counted):
        // box metadata (kmin, kmax: 2 d bf16) + vmax (4 B) + block-table entry (4 B) per routed page, per routed
        // super-page 2 d bf16 + 4 B, and the selected pages' K and V.
        const double page_meta = 2.0 * d * 2 + 4 + 4, super_meta = 2.0 * d * 2 + 4;
        const double num_super = double((pages_per_seq + superpage - 1) / superpage);
        const double routed = hier ? std::min<double>(refine, num_super) * superpage : double(pages_per_seq);
        const double bytes = groups * ((hier ? num_super * super_meta : 0.0) + routed * page_meta +
                                       double(budget) * page_size * d * 2 * 2);
        const double gbps = bytes / (ms * 1e-3) / 1e9;
        const char* mode = hier ? "hierarchical" : "flat";
        std::printf("sparse %-12s batch %2d T %8ld: %.4f ms, %.3f GB read, %.0f GB/s (%.0f%% of copy), mean tail bound %.3g\n",
                    mode, batch, T, ms, bytes / 1e9, gbps, 100.0 * gbps / copy_gbps, mean_tail);
        std::fprintf(csv, "vashista-sparse,%s,%s,%d,%ld,%d,%d,%d,%d,%.5f,%.0f,%.1f,%.1f,%.3f,%.4g\n", mode, dev.c_str(), batch,
                     T, page_size, budget, superpage, refine, ms, bytes, gbps, copy_gbps, gbps / copy_gbps, mean_tail);
        std::fflush(csv);
        CK(cudaEventDestroy(e0)); CK(cudaEventDestroy(e1));
      }
      vc::destroy_workspace(ws);
      for (void* p : {k, v, lo, hi, static_cast<void*>(vn), static_cast<void*>(bt), static_cast<void*>(sl),
                      static_cast<void*>(cnt), static_cast<void*>(q), static_cast<void*>(out.output),
                      static_cast<void*>(out.lse), static_cast<void*>(out.log_tail_bound),
                      static_cast<void*>(out.tail_bound), static_cast<void*>(out.output_error_bound),
                      static_cast<void*>(out.selected_pages), static_cast<void*>(out.num_selected)})
        CK(cudaFree(p));
      for (void* p : {slo, shi, static_cast<void*>(svn)}) CK(cudaFree(p));
      CK(cudaStreamDestroy(stream));
    }
  }
  std::fclose(csv);
  return 0;
}
