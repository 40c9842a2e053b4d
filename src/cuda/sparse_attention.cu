// Vashista Sparse Attention on the GPU (docs/kernel.md): routing (flat or hierarchical), top-P selection,
// split attention with a combine, and the certificate, for a batched paged bf16/fp16 KV cache with GQA.
// fp32 accumulation. Semantics are those of the CPU reference (src/sparse/sparse_attention.hpp); where fp32
// rounding could make a bound unsound, an explicit rounding bound (in units of u = 2^-24) is added, named below.
//
// Pipeline of one decode step (flat: levels 0; hierarchical: levels 1 then 2):
//   route_chunk_kernel  grid (chunks, groups): a block routes `chunk` units of one group (pages, super-pages,
//                       or pages of the refined super-pages), keeps the local top-K of its non-forced units by
//                       (U desc, index asc) as candidates and folds every other non-forced unit into a partial
//                       certificate sum. The global top-K is a subset of the union of the chunks' top-K (an
//                       element beaten by fewer than K units overall is beaten by fewer than K in its chunk).
//   select_final_kernel one block per group: top-K among the candidates with the same tie rule, the sorted
//                       selection (forced units included), the remaining candidates and all chunk partials
//                       merged into ln X_ub (level 1 keeps its sum as a carry for level 2).
//   attention_kernel, combine_kernel: flash-decoding over the selected pages; the combine also finishes the
//                       certificate (it has lse_S and ||o_S||).
#include "cuda/kernel_common.cuh"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace vashista::cuda {

namespace {

/// Partial certificate sum of one group, per head: LSE of the terms t = ln c + U_hat/eps as (m, s) with
/// sum = s e^m, a = max |t| (exponent rounding), plus the max vmax of the terms, the max routing error of the
/// selected or forced pages (e), the number of terms (n) and the height of the fp32 summation tree (h).
template <int G> struct TailPartial {
  float m[G], s[G], a[G];
  float v, e, n, h;
};

/// Routing levels of route_chunk_kernel / select_final_kernel.
enum Level : int { kFlatPages = 0, kSuperPages = 1, kRefinedPages = 2 };

struct LevelArgs {
  int chunk = 0;     // units per routing block
  int stride = 0;    // candidate slots per chunk (>= the level's K)
};

}  // namespace

struct DecodeWorkspace {
  DecodeShape shape;
  int max_selected = 0;
  int max_splits = 0;
  int max_super = 0;                // super-pages per sequence (0 without super-pages)
  int cand_cap = 0;                 // candidate slots per group
  int part_cap = 0;                 // chunk partials per group
  int32_t* cand_unit = nullptr;     // [groups][cand_cap]: page or super-page index of a candidate
  uint32_t* cand_key = nullptr;     // [groups][cand_cap]: float_key(max_h U_hat)
  float2* cand_ev = nullptr;        // [groups][cand_cap]: {max_h err, vmax}
  float* cand_u = nullptr;          // [groups][cand_cap][g]: U_hat per head
  int32_t* cand_count = nullptr;    // [groups][part_cap]: candidates of each chunk
  unsigned char* partials = nullptr;  // TailPartial<g> [groups][part_cap]
  unsigned char* carry = nullptr;     // TailPartial<g> [groups]: level-1 sum (unrefined super-pages)
  unsigned char* cert = nullptr;      // TailPartial<g> [groups]: final; m[h] = ln X_ub rounded up
  int32_t* refined = nullptr;       // [groups][max_super]: refined super-pages (sorted)
  int32_t* num_refined = nullptr;   // [groups]
  float* part_acc = nullptr;        // [batch*Hq][max_splits][d]: unnormalised split outputs
  float2* part_ml = nullptr;        // [batch*Hq][max_splits]: {running max m, sum l} of a split
  int32_t* budgets = nullptr;       // [batch*Hkv]: per-group page budgets of the adaptive mode
  int32_t* refine_budgets = nullptr;  // [batch*Hkv]: per-group refine budgets of the adaptive mode
};

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// Pointers of the workspace used by the routing/selection kernels (passed by value).
struct RouteBuffers {
  int32_t* cand_unit;
  uint32_t* cand_key;
  float2* cand_ev;
  float* cand_u;
  int32_t* cand_count;
  unsigned char* partials;
  unsigned char* carry;
  unsigned char* cert;
  int32_t* refined;
  int32_t* num_refined;
  int cand_cap, part_cap, max_super;
};

/// Relative rounding bound of an fp32 sum of n positive terms, each from expf (<= 2 ulp): (n + 16) * 2u.
/// ln(1 + x) <= x makes it a bound in natural-log units as well.
__device__ __forceinline__ float sum_rounding(float n_terms) { return (n_terms + 16.0f) * 2.0f * kUnitRoundoff; }

/// Rounding of an exponent of magnitude |t| formed by a few fp32 operations: (|t| + 1) * 4u.
__device__ __forceinline__ float exponent_rounding(float t) { return (fabsf(t) + 1.0f) * 4.0f * kUnitRoundoff; }

/// Rounding of a log-domain sum computed by a tree of (m, s) merges of height h: every merge is two expf
/// (2 ulp each), two products and a sum, at most 8u relative per level, compounded along a path: (h + 8) * 8u.
__device__ __forceinline__ float tree_rounding(float height) { return (height + 8.0f) * 8.0f * kUnitRoundoff; }

/// ceil(max_pages_per_seq / S): super-page slots per (sequence, KV head) in the super-page metadata.
__host__ __device__ __forceinline__ int max_superpages(const DecodeShape& shape) {
  return shape.pages_per_super > 0 ? (shape.max_pages_per_seq + shape.pages_per_super - 1) / shape.pages_per_super : 0;
}

__device__ __forceinline__ int tokens_in_page(int len, int p, int page_size) { return min(page_size, len - p * page_size); }

/// ln(r / (1 + r)) from ln r, without overflow for either sign.
__device__ __forceinline__ float log_tail_from_log_ratio(float log_ratio) {
  return log_ratio > 0.0f ? -log1pf(expf(-log_ratio)) : log_ratio - log1pf(expf(log_ratio));
}

template <int G> __device__ __forceinline__ void partial_init(TailPartial<G>& p) {
#pragma unroll
  for (int h = 0; h < G; ++h) {
    p.m[h] = kNegInf;
    p.s[h] = 0.0f;
    p.a[h] = 0.0f;
  }
  p.v = 0.0f;
  p.e = 0.0f;
  p.n = 0.0f;
  p.h = 0.0f;
}

/// Adds one term t of head h: the online LSE update (m, s) <- (max(m, t), s e^{m - M} + e^{t - M}).
template <int G> __device__ __forceinline__ void partial_add(TailPartial<G>& p, int h, float t) {
  if (t > p.m[h]) {
    p.s[h] = p.s[h] * expf(p.m[h] - t) + 1.0f;
    p.m[h] = t;
  } else {
    p.s[h] += expf(t - p.m[h]);
  }
  p.a[h] = fmaxf(p.a[h], fabsf(t));
}

template <int G> __device__ __forceinline__ void partial_merge(TailPartial<G>& p, const TailPartial<G>& q) {
#pragma unroll
  for (int h = 0; h < G; ++h) {
    const float mx = fmaxf(p.m[h], q.m[h]);
    p.s[h] = mx == kNegInf ? 0.0f : p.s[h] * expf(p.m[h] - mx) + q.s[h] * expf(q.m[h] - mx);
    p.m[h] = mx;
    p.a[h] = fmaxf(p.a[h], q.a[h]);
  }
  p.v = fmaxf(p.v, q.v);
  p.e = fmaxf(p.e, q.e);
  p.n += q.n;
  p.h = fmaxf(p.h, q.h) + 1.0f;
}

template <int G> __device__ __forceinline__ TailPartial<G> partial_shfl(const TailPartial<G>& p, int off) {
  TailPartial<G> q;
#pragma unroll
  for (int h = 0; h < G; ++h) {
    q.m[h] = __shfl_xor_sync(0xffffffffu, p.m[h], off);
    q.s[h] = __shfl_xor_sync(0xffffffffu, p.s[h], off);
    q.a[h] = __shfl_xor_sync(0xffffffffu, p.a[h], off);
  }
  q.v = __shfl_xor_sync(0xffffffffu, p.v, off);
  q.e = __shfl_xor_sync(0xffffffffu, p.e, off);
  q.n = __shfl_xor_sync(0xffffffffu, p.n, off);
  q.h = __shfl_xor_sync(0xffffffffu, p.h, off);
  return q;
}

/// Block reduction of partials (every thread calls it); the result is valid in thread 0. Two shuffle trees
/// (within warps, then warp 0 over the NT/32 warp results), so the height grows by 10 at most.
template <int G, int NT>
__device__ void block_reduce_partial(TailPartial<G>& p, TailPartial<G>* smem /* [NT / 32] */) {
#pragma unroll
  for (int off = 16; off > 0; off /= 2) {
    const TailPartial<G> q = partial_shfl(p, off);
    partial_merge(p, q);
  }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) smem[warp] = p;
  __syncthreads();
  if (warp == 0) {
    if (lane < NT / 32) {
      p = smem[lane];
    } else {
      partial_init(p);
    }
#pragma unroll
    for (int off = 16; off > 0; off /= 2) {
      const TailPartial<G> q = partial_shfl(p, off);
      partial_merge(p, q);
    }
  }
}

/// Exclusive block scan of 0/1 flags with blockDim.x = NT; *total receives the sum.
template <int NT>
__device__ __forceinline__ int block_scan_flag(bool flag, int* warp_sums, int* total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const unsigned ballot = __ballot_sync(0xffffffffu, flag);
  const int in_warp = __popc(ballot & ((1u << lane) - 1u));
  if (lane == 0) warp_sums[warp] = __popc(ballot);
  __syncthreads();
  if (warp == 0) {
    const int v = lane < NT / 32 ? warp_sums[lane] : 0;
    int incl = v;
#pragma unroll
    for (int o = 1; o < 32; o *= 2) {
      const int n = __shfl_up_sync(0xffffffffu, incl, o);
      if (lane >= o) incl += n;
    }
    warp_sums[lane] = incl - v;
    if (lane == 31) *total = incl;
  }
  __syncthreads();
  const int result = warp_sums[warp] + in_warp;
  __syncthreads();  // warp_sums is reused by the next call
  return result;
}

struct SelectSmem {
  unsigned hist[256];
  int warp_sums[32];
  uint32_t prefix;
  int k;
  int total;
};

/// Radix select (4 passes of 8 bits) over the nonzero keys key_at(0..n): the k-th largest key T
/// (0 < k < #nonzero keys) and need_eq = k - #{key > T}, the number of keys equal to T to take (lowest index
/// first). The bin search is a parallel suffix scan of the 256-bin histogram.
template <int NT, typename KeyAt>
__device__ void radix_threshold(int n, int k, KeyAt key_at, SelectSmem& sm, uint32_t* threshold, int* need_eq) {
  uint32_t prefix = 0, prefix_mask = 0;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll 1
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int i = threadIdx.x; i < 256; i += NT) sm.hist[i] = 0;
    __syncthreads();
    for (int i = threadIdx.x; i < n; i += NT) {
      const uint32_t key = key_at(i);
      if (key != 0u && (key & prefix_mask) == prefix) atomicAdd(&sm.hist[(key >> shift) & 255u], 1u);
    }
    __syncthreads();
    int c = 0, incl = 0;
    if (threadIdx.x < 256) {  // thread i holds bin 255 - i: inclusive prefix = keys in bins >= its bin
      c = static_cast<int>(sm.hist[255 - threadIdx.x]);
      incl = c;
#pragma unroll
      for (int o = 1; o < 32; o *= 2) {
        const int v = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl += v;
      }
      if (lane == 31) sm.warp_sums[warp] = incl;
    }
    __syncthreads();
    if (threadIdx.x < 256) {
      for (int w = 0; w < warp; ++w) incl += sm.warp_sums[w];
      const int excl = incl - c;
      if (excl < k && k <= incl) {
        sm.prefix = prefix | (static_cast<uint32_t>(255 - threadIdx.x) << shift);
        sm.k = k - excl;
      }
    }
    __syncthreads();
    prefix = sm.prefix;
    k = sm.k;
    prefix_mask |= 255u << shift;
    __syncthreads();
  }
  *threshold = prefix;
  *need_eq = k;
}

/// Per-group quantities of a routing level: units, forced units [0, n_sink) U [recent_first, n_total), free budget K.
struct LevelInfo {
  int len, num_pages, num_super;
  int n_units;       // units routed at this level (level 2: refined super-pages * S, some past the last page)
  int n_total;       // pages (levels 0, 2) or super-pages (level 1) of the sequence
  int n_sink, recent_first;
  int k_free;        // budget minus forced units, >= 0
  int list_cap;      // capacity of the output list
};

template <int L>
__device__ __forceinline__ LevelInfo level_info(const DecodeShape& shape, const DeviceKvCache& cache, const DecodeParams& params,
                                                const RouteBuffers& rb, int bk, int max_selected) {
  LevelInfo li;
  const int b = bk / shape.num_kv_heads;
  li.len = cache.seq_len[b];
  li.num_pages = (li.len + shape.page_size - 1) / shape.page_size;
  const int S = shape.pages_per_super;
  li.num_super = S > 0 ? (li.num_pages + S - 1) / S : 0;
  const int sink_pages = min(params.sink_pages, li.num_pages);
  const int recent_page = params.recent_pages > 0 ? max(sink_pages, li.num_pages - params.recent_pages) : li.num_pages;
  if (L == kSuperPages) {
    int refine = params.refine_budget_per_group ? params.refine_budget_per_group[bk] : params.refine_budget;
    li.n_units = li.num_super;
    li.n_total = li.num_super;
    li.n_sink = (sink_pages + S - 1) / S;
    li.recent_first = params.recent_pages > 0 && li.num_pages > 0 ? max(li.n_sink, recent_page / S) : li.num_super;
    li.k_free = max(0, refine - (li.n_sink + li.n_total - li.recent_first));
    li.list_cap = rb.max_super;
  } else {
    int budget = params.page_budget_per_group ? params.page_budget_per_group[bk] : params.page_budget;
    budget = min(budget, max_selected);
    li.n_units = L == kFlatPages ? li.num_pages : rb.num_refined[bk] * S;
    li.n_total = li.num_pages;
    li.n_sink = sink_pages;
    li.recent_first = recent_page;
    li.k_free = max(0, budget - (li.n_sink + li.n_total - li.recent_first));
    li.list_cap = max_selected;
  }
  return li;
}

/// Page or super-page index of unit u (level 2: pages of the refined super-pages in increasing order).
template <int L>
__device__ __forceinline__ int unit_index(const DecodeShape& shape, const RouteBuffers& rb, int bk, int u) {
  if (L == kRefinedPages) {
    const int S = shape.pages_per_super;
    return rb.refined[static_cast<size_t>(bk) * rb.max_super + u / S] * S + u % S;
  }
  return u;
}

/// Tokens of unit `idx` (a page, or a super-page at level 1).
template <int L>
__device__ __forceinline__ int unit_tokens(const DecodeShape& shape, int len, int idx) {
  const int span = L == kSuperPages ? shape.page_size * shape.pages_per_super : shape.page_size;
  return min(span, len - idx * span);
}

// ------------------------------------------------------------------------------------------------
// (a) Routing: U_{p,h} = tau sum_d max(q_hd kmin_pd, q_hd kmax_pd) >= max_{i in p} s_i (a page or a super-page
// box). fp32 evaluation differs from the exact value by at most gamma_D * A_{p,h}, A = tau sum_d |q_hd| max(|kmin|,|kmax|),
// gamma_D = (D + 4) u (products of fp32 by 8-bit-mantissa values, a D-term sum, the scale, the final add),
// times 17/16 for the rounding of gamma * A itself. The kernel uses U_hat = fl(U) + err, err = gamma_D A:
// an upper bound of every exact score of the box and of every fp32 score of the attention kernel.
template <int D> __device__ __forceinline__ float routing_gamma() {
  return static_cast<float>(D + 4) * kUnitRoundoff * 1.0625f;
}

template <typename T, int D, int G, int L>
__global__ void __launch_bounds__(kRouteThreads) route_chunk_kernel(const DecodeShape shape, const DeviceKvCache cache,
                                                                    const float* __restrict__ queries, const float scale,
                                                                    const float inv_eps, const DecodeParams params,
                                                                    const int max_selected, const LevelArgs la,
                                                                    const RouteBuffers rb) {
  constexpr int kLanes = D / kVec;                         // lanes per unit
  constexpr int kUnitsPerPass = kRouteThreads / kLanes;
  constexpr int kUnroll = 4;                               // units in flight per lane group
  constexpr int kChunk = max_chunk(G);
  __shared__ float q_s[G][D];
  __shared__ uint32_t s_key[kChunk];   // float_key(max_h U_hat) of eligible units, 0 otherwise
  __shared__ float s_u[kChunk][G];
  __shared__ float s_err[kChunk];      // max_h err
  __shared__ float s_vmax[kChunk];
  __shared__ int s_idx[kChunk];        // page / super-page index
  __shared__ unsigned char s_kind[kChunk];  // 0 invalid, 1 forced, 2 eligible
  __shared__ SelectSmem sm;
  __shared__ TailPartial<G> s_red[kRouteThreads / 32];
  const int bk = blockIdx.y, b = bk / shape.num_kv_heads, kvh = bk % shape.num_kv_heads;
  const LevelInfo li = level_info<L>(shape, cache, params, rb, bk, max_selected);
  const int c0 = blockIdx.x * la.chunk;
  if (c0 >= li.n_units) return;  // uniform: the block does nothing (select_final reads only used chunks)
  const int n_here = min(la.chunk, li.n_units - c0);
  for (int i = threadIdx.x; i < G * D; i += blockDim.x) {
    q_s[i / D][i % D] = queries[(static_cast<size_t>(b) * shape.num_q_heads + kvh * G + i / D) * D + i % D];
  }
  __syncthreads();
  const T* kmin = static_cast<const T*>(L == kSuperPages ? cache.super_kmin : cache.kmin);
  const T* kmax = static_cast<const T*>(L == kSuperPages ? cache.super_kmax : cache.kmax);
  const int lane = threadIdx.x % kLanes, grp = threadIdx.x / kLanes;
  const unsigned group_mask = kLanes == 32 ? 0xffffffffu : (((1u << kLanes) - 1u) << (threadIdx.x % 32 / kLanes * kLanes));
  const float gamma = routing_gamma<D>();
#pragma unroll 1
  for (int base = 0; base < n_here; base += kUnitsPerPass * kUnroll) {
    uint4 lo_raw[kUnroll], hi_raw[kUnroll];
    float vm[kUnroll];
    int idx[kUnroll];
#pragma unroll
    for (int r = 0; r < kUnroll; ++r) {  // issue all loads first
      const int i = base + r * kUnitsPerPass + grp;
      idx[r] = -1;
      vm[r] = 0.0f;
      if (i < n_here) {
        const int id = unit_index<L>(shape, rb, bk, c0 + i);
        if (id < li.n_total) {
          idx[r] = id;
          size_t meta;
          if (L == kSuperPages) {
            meta = static_cast<size_t>(bk) * rb.max_super + id;
            if (lane == 0) vm[r] = cache.super_vmax[meta];
          } else {
            const int phys = cache.block_table[static_cast<size_t>(b) * shape.max_pages_per_seq + id];
            meta = static_cast<size_t>(phys) * shape.num_kv_heads + kvh;
            if (lane == 0) vm[r] = cache.vmax_norm[meta];
          }
          lo_raw[r] = *reinterpret_cast<const uint4*>(kmin + meta * D + lane * kVec);
          hi_raw[r] = *reinterpret_cast<const uint4*>(kmax + meta * D + lane * kVec);
        }
      }
    }
#pragma unroll
    for (int r = 0; r < kUnroll; ++r) {
      const int i = base + r * kUnitsPerPass + grp;
      if (i >= n_here) continue;  // uniform within a lane group
      if (idx[r] < 0) {
        if (lane == 0) {
          s_kind[i] = 0;
          s_key[i] = 0u;
        }
        continue;
      }
      const T* lo_e = reinterpret_cast<const T*>(&lo_raw[r]);
      const T* hi_e = reinterpret_cast<const T*>(&hi_raw[r]);
      float lo[kVec], hi[kVec];
#pragma unroll
      for (int e = 0; e < kVec; ++e) {
        lo[e] = DtypeTraits<T>::to_float(lo_e[e]);
        hi[e] = DtypeTraits<T>::to_float(hi_e[e]);
      }
      float best = kNegInf, worst_err = 0.0f;
#pragma unroll
      for (int h = 0; h < G; ++h) {
        float u = 0.0f, a = 0.0f;
#pragma unroll
        for (int e = 0; e < kVec; ++e) {
          const float q = q_s[h][lane * kVec + e];
          u += fmaxf(q * lo[e], q * hi[e]);
          a += fabsf(q) * fmaxf(fabsf(lo[e]), fabsf(hi[e]));
        }
#pragma unroll
        for (int o = kLanes / 2; o > 0; o /= 2) {
          u += __shfl_xor_sync(group_mask, u, o, kLanes);
          a += __shfl_xor_sync(group_mask, a, o, kLanes);
        }
        const float err = gamma * scale * a;
        const float u_hat = scale * u + err;
        best = fmaxf(best, u_hat);
        worst_err = fmaxf(worst_err, err);
        if (lane == 0) s_u[i][h] = u_hat;
      }
      if (lane == 0) {
        const int id = idx[r];
        const bool forced = id < li.n_sink || id >= li.recent_first;
        s_kind[i] = forced ? 1 : 2;
        s_key[i] = forced ? 0u : float_key(best);
        s_err[i] = worst_err;
        s_vmax[i] = vm[r];
        s_idx[i] = id;
      }
    }
  }
  __syncthreads();

  // Local top-K of the eligible units (K = the level's free budget).
  int n_elig = 0;
  for (int base = 0; base < n_here; base += kRouteThreads) {
    const int i = base + threadIdx.x;
    n_elig += __syncthreads_count(i < n_here && s_kind[i] == 2);
  }
  const int k = min(min(li.k_free, n_elig), la.stride);
  uint32_t threshold;  // units with key > threshold are taken, and need_eq of those with key == threshold
  int need_eq;
  if (k == 0) {
    threshold = 0xffffffffu;
    need_eq = 0;
  } else if (k == n_elig) {
    threshold = 0u;  // every eligible key is > 0
    need_eq = 0;
  } else {
    radix_threshold<kRouteThreads>(n_here, k, [&](int i) { return s_key[i]; }, sm, &threshold, &need_eq);
  }

  TailPartial<G> part;
  partial_init(part);
  const size_t slot0 = static_cast<size_t>(bk) * rb.cand_cap + static_cast<size_t>(blockIdx.x) * la.stride;
  int out_pos = 0, eq_seen = 0;
#pragma unroll 1
  for (int base = 0; base < n_here; base += kRouteThreads) {
    const int i = base + threadIdx.x;
    const int kind = i < n_here ? s_kind[i] : 0;
    const uint32_t key = kind == 2 ? s_key[i] : 0u;
    const bool is_eq = kind == 2 && key == threshold;
    const int eq_rank = eq_seen + block_scan_flag<kRouteThreads>(is_eq, sm.warp_sums, &sm.total);
    eq_seen += sm.total;
    const bool take = kind == 2 && (key > threshold || (is_eq && eq_rank < need_eq));
    const int pos = out_pos + block_scan_flag<kRouteThreads>(take, sm.warp_sums, &sm.total);
    out_pos += sm.total;
    if (take) {
      const size_t slot = slot0 + pos;
      rb.cand_unit[slot] = s_idx[i];
      rb.cand_key[slot] = key;
      rb.cand_ev[slot] = make_float2(s_err[i], s_vmax[i]);
#pragma unroll
      for (int h = 0; h < G; ++h) rb.cand_u[slot * G + h] = s_u[i][h];
    } else if (kind == 2) {  // rejected here, hence unselected: a certificate term
      const float log_c = logf(static_cast<float>(unit_tokens<L>(shape, li.len, s_idx[i])));
#pragma unroll
      for (int h = 0; h < G; ++h) partial_add(part, h, log_c + s_u[i][h] * inv_eps);
      part.v = fmaxf(part.v, s_vmax[i]);
      part.n += 1.0f;
      part.h += 1.0f;
    } else if (kind == 1 && L != kSuperPages) {
      part.e = fmaxf(part.e, s_err[i]);  // forced pages are attended: their routing error lowers lse_S
    }
  }
  // A chunk whose eligible units were all taken (and with no forced page) has an empty partial: skip the reduction.
  if (__syncthreads_or(part.n > 0.0f || part.e > 0.0f)) block_reduce_partial<G, kRouteThreads>(part, s_red);
  if (threadIdx.x == 0) {
    const size_t c = static_cast<size_t>(bk) * rb.part_cap + blockIdx.x;
    reinterpret_cast<TailPartial<G>*>(rb.partials)[c] = part;
    rb.cand_count[c] = out_pos;
  }
}

// ------------------------------------------------------------------------------------------------
// (b) Final selection per group: forced units (the first n_sink, from recent_first on) U the K = budget - #forced
// candidates of largest key (ties -> lower index), written sorted; the candidates not taken and every chunk
// partial are merged into the certificate sum. Level 1 writes the refined super-pages and keeps its sum as the
// carry; levels 0 and 2 write the selected pages and ln X_ub (rounded up) with the max routing error of the
// attended pages.
template <int G, int L, int NT>
__global__ void __launch_bounds__(NT) select_final_kernel(const DecodeShape shape, const DeviceKvCache cache,
                                                                     const DecodeParams params, const int max_selected,
                                                                     const LevelArgs la, const RouteBuffers rb,
                                                                     const float inv_eps, int32_t* __restrict__ selected,
                                                                     int32_t* __restrict__ num_selected) {
  __shared__ SelectSmem sm;
  __shared__ TailPartial<G> s_red[NT / 32];
  __shared__ int s_ncand;
  const int bk = blockIdx.x;
  const LevelInfo li = level_info<L>(shape, cache, params, rb, bk, max_selected);
  const int nch = (li.n_units + la.chunk - 1) / la.chunk;
  const int n_slots = nch * la.stride;
  const int32_t* counts = rb.cand_count + static_cast<size_t>(bk) * rb.part_cap;
  const size_t slot0 = static_cast<size_t>(bk) * rb.cand_cap;
  if (threadIdx.x == 0) s_ncand = 0;
  __syncthreads();
  int my = 0;
  for (int c = threadIdx.x; c < nch; c += NT) my += counts[c];
  if (my) atomicAdd(&s_ncand, my);
  __syncthreads();
  const int ncand = s_ncand;
  auto key_at = [&](int i) -> uint32_t { return i % la.stride < counts[i / la.stride] ? rb.cand_key[slot0 + i] : 0u; };
  const int k = min(li.k_free, ncand);
  uint32_t threshold;
  int need_eq;
  if (k == 0) {
    threshold = 0xffffffffu;
    need_eq = 0;
  } else if (k == ncand) {
    threshold = 0u;
    need_eq = 0;
  } else {
    radix_threshold<NT>(n_slots, k, key_at, sm, &threshold, &need_eq);
  }
  int32_t* out = L == kSuperPages ? rb.refined + static_cast<size_t>(bk) * rb.max_super
                                  : selected + static_cast<size_t>(bk) * max_selected;
  for (int i = threadIdx.x; i < li.n_sink; i += NT) out[i] = i;
  TailPartial<G> part;
  partial_init(part);
  int out_pos = 0, eq_seen = 0;
#pragma unroll 1
  for (int base = 0; base < n_slots; base += NT) {
    const int i = base + threadIdx.x;
    const bool valid = i < n_slots && i % la.stride < counts[i / la.stride];
    const uint32_t key = valid ? rb.cand_key[slot0 + i] : 0u;
    const bool is_eq = valid && key == threshold;
    const int eq_rank = eq_seen + block_scan_flag<NT>(is_eq, sm.warp_sums, &sm.total);
    eq_seen += sm.total;
    const bool take = valid && (key > threshold || (is_eq && eq_rank < need_eq));
    const int pos = out_pos + block_scan_flag<NT>(take, sm.warp_sums, &sm.total);
    out_pos += sm.total;
    if (valid) {
      const int unit = rb.cand_unit[slot0 + i];
      const float2 ev = rb.cand_ev[slot0 + i];
      if (take) {
        out[li.n_sink + pos] = unit;
        if (L != kSuperPages) part.e = fmaxf(part.e, ev.x);
      } else {
        const float log_c = logf(static_cast<float>(unit_tokens<L>(shape, li.len, unit)));
#pragma unroll
        for (int h = 0; h < G; ++h) partial_add(part, h, log_c + rb.cand_u[(slot0 + i) * G + h] * inv_eps);
        part.v = fmaxf(part.v, ev.y);
        part.n += 1.0f;
        part.h += 1.0f;
      }
    }
  }
  const int n_recent = li.n_total - li.recent_first;
  for (int r = threadIdx.x; r < n_recent; r += NT) out[li.n_sink + out_pos + r] = li.recent_first + r;
  const int total = li.n_sink + out_pos + n_recent;
  if (L != kSuperPages) {
    for (int i = total + threadIdx.x; i < max_selected; i += NT) out[i] = -1;
  }
  const TailPartial<G>* parts = reinterpret_cast<const TailPartial<G>*>(rb.partials) + static_cast<size_t>(bk) * rb.part_cap;
  for (int c = threadIdx.x; c < nch; c += NT) partial_merge(part, parts[c]);
  block_reduce_partial<G, NT>(part, s_red);
  if (threadIdx.x != 0) return;
  if (L == kSuperPages) {
    reinterpret_cast<TailPartial<G>*>(rb.carry)[bk] = part;
    rb.num_refined[bk] = total;
    return;
  }
  num_selected[bk] = total;
  if (L == kRefinedPages) partial_merge(part, reinterpret_cast<const TailPartial<G>*>(rb.carry)[bk]);
  // ln X_ub rounded up: the tree sum's rounding, the terms' exponents (t = ln c + U/eps with |t| <= a, each
  // formed and shifted by m with relative error <= (3a + 32) 4u), and the final m + ln s.
#pragma unroll
  for (int h = 0; h < G; ++h) {
    if (part.n == 0.0f) {
      part.m[h] = kNegInf;
      continue;
    }
    const float log_x = part.m[h] + logf(part.s[h]);
    part.m[h] = log_x + tree_rounding(part.h) + exponent_rounding(3.0f * part.a[h] + 32.0f) + exponent_rounding(log_x);
  }
  reinterpret_cast<TailPartial<G>*>(rb.cert)[bk] = part;
}

// ------------------------------------------------------------------------------------------------
// (c) Attention over the selected pages, flash-decoding: block (split, sequence, KV head) attends the
// tokens of pages [split * pps, (split + 1) * pps) of the selected list for all G heads of the group (the
// K/V tile is read once per group). A lane group of D/8 lanes handles one token; kBatch tokens per lane group
// are loaded before they are used (loads in flight); online softmax in fp32 on x_i = s_i / eps; the lane
// groups are merged in shared memory; (m, l, acc) of the split go to global.
template <typename T, int D, int G>
__global__ void __launch_bounds__(kAttentionThreads) attention_kernel(
    const DecodeShape shape, const DeviceKvCache cache, const float* __restrict__ queries, const float scale_over_eps,
    const int max_selected, const int max_splits, const int32_t* __restrict__ selected,
    const int32_t* __restrict__ num_selected, float* __restrict__ part_acc, float2* __restrict__ part_ml) {
  constexpr int kLanes = D / kVec;
  constexpr int kGroups = kAttentionThreads / kLanes;
  constexpr int kBatch = 4;
  constexpr int kMaxPps = kTokensPerSplit;  // pages per split <= kTokensPerSplit / 16
  __shared__ float s_m[kGroups][G], s_l[kGroups][G];
  __shared__ float s_acc[kGroups][G][D];
  __shared__ int s_phys[kMaxPps], s_cnt[kMaxPps];
  const int bk = blockIdx.y, b = bk / shape.num_kv_heads, kvh = bk % shape.num_kv_heads;
  const int split = blockIdx.x;
  const int pps = pages_per_split(shape.page_size);
  const int nsel = num_selected[bk];
  const int first = split * pps;
  if (first >= nsel) return;
  const int last = min(first + pps, nsel);
  const int len = cache.seq_len[b];
  const int grp = threadIdx.x / kLanes, lane = threadIdx.x % kLanes;
  const unsigned group_mask = kLanes == 32 ? 0xffffffffu : (((1u << kLanes) - 1u) << (threadIdx.x % 32 / kLanes * kLanes));
  const int32_t* sel = selected + static_cast<size_t>(bk) * max_selected;
  if (threadIdx.x < last - first) {
    const int p = sel[first + threadIdx.x];
    s_phys[threadIdx.x] = cache.block_table[static_cast<size_t>(b) * shape.max_pages_per_seq + p];
    s_cnt[threadIdx.x] = tokens_in_page(len, p, shape.page_size);
  }

  float q[G][kVec];
#pragma unroll
  for (int h = 0; h < G; ++h) {
    const float* src = queries + (static_cast<size_t>(b) * shape.num_q_heads + kvh * G + h) * D + lane * kVec;
#pragma unroll
    for (int i = 0; i < kVec; ++i) q[h][i] = src[i] * scale_over_eps;
  }
  float m[G], l[G], acc[G][kVec];
#pragma unroll
  for (int h = 0; h < G; ++h) {
    m[h] = kNegInf;
    l[h] = 0.0f;
#pragma unroll
    for (int i = 0; i < kVec; ++i) acc[h][i] = 0.0f;
  }
  __syncthreads();
  const T* keys = static_cast<const T*>(cache.keys);
  const T* values = static_cast<const T*>(cache.values);
  const int num_tokens = (last - first) * shape.page_size;
#pragma unroll 1
  for (int t0 = grp; t0 < num_tokens; t0 += kGroups * kBatch) {
    uint4 k_raw[kBatch], v_raw[kBatch];
    bool ok[kBatch];
#pragma unroll
    for (int r = 0; r < kBatch; ++r) {
      const int t = t0 + r * kGroups;
      const int i = t / shape.page_size, slot = t % shape.page_size;
      ok[r] = t < num_tokens && slot < s_cnt[i];
      if (ok[r]) {
        const size_t off = ((static_cast<size_t>(s_phys[i]) * shape.num_kv_heads + kvh) * shape.page_size + slot) * D + lane * kVec;
        k_raw[r] = *reinterpret_cast<const uint4*>(keys + off);
        v_raw[r] = *reinterpret_cast<const uint4*>(values + off);
      }
    }
#pragma unroll
    for (int r = 0; r < kBatch; ++r) {
      if (!ok[r]) continue;  // uniform within the lane group
      const T* ke = reinterpret_cast<const T*>(&k_raw[r]);
      const T* ve = reinterpret_cast<const T*>(&v_raw[r]);
      float k[kVec], v[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        k[i] = DtypeTraits<T>::to_float(ke[i]);
        v[i] = DtypeTraits<T>::to_float(ve[i]);
      }
#pragma unroll
      for (int h = 0; h < G; ++h) {
        float x = 0.0f;
#pragma unroll
        for (int i = 0; i < kVec; ++i) x += q[h][i] * k[i];
#pragma unroll
        for (int o = kLanes / 2; o > 0; o /= 2) x += __shfl_xor_sync(group_mask, x, o, kLanes);
        const float m_new = fmaxf(m[h], x);
        const float corr = expf(m[h] - m_new);
        const float w = expf(x - m_new);
        l[h] = l[h] * corr + w;
#pragma unroll
        for (int i = 0; i < kVec; ++i) acc[h][i] = acc[h][i] * corr + w * v[i];
        m[h] = m_new;
      }
    }
  }
#pragma unroll
  for (int h = 0; h < G; ++h) {
    if (lane == 0) {
      s_m[grp][h] = m[h];
      s_l[grp][h] = l[h];
    }
#pragma unroll
    for (int i = 0; i < kVec; ++i) s_acc[grp][h][lane * kVec + i] = acc[h][i];
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < G * D; idx += blockDim.x) {
    const int h = idx / D, dim = idx % D;
    float mx = kNegInf;
    for (int g = 0; g < kGroups; ++g) mx = fmaxf(mx, s_m[g][h]);
    float sum = 0.0f, a = 0.0f;
    if (mx != kNegInf) {
      for (int g = 0; g < kGroups; ++g) {
        const float w = expf(s_m[g][h] - mx);
        sum += s_l[g][h] * w;
        a += s_acc[g][h][dim] * w;
      }
    }
    const size_t row = (static_cast<size_t>(b) * shape.num_q_heads + kvh * G + h) * max_splits + split;
    part_acc[row * D + dim] = a;
    if (dim == 0) part_ml[row] = make_float2(mx, sum);
  }
}

// ------------------------------------------------------------------------------------------------
// (d) Combine of the splits: o_S = sum_s acc_s e^{m_s - M} / sum_s l_s e^{m_s - M}, lse_S = M + ln(sum), ||o_S||;
// one block of D threads per (sequence, query head). Then the certificate of that head:
// ln(X_ub / Z_S) = ln X_ub - lse_S, tail_bound = (X_ub/Z_S)/(1 + X_ub/Z_S) in the log domain, error bound
// tail * (max vmax_unsel + ||o_S||). Soundness against the exact (double) quantities: ln X_ub is already rounded
// up (select_final_kernel); lse_S is lowered by max_{p selected} err_p/eps (score rounding), the rounding bound of
// its sums and of its exponent; the final ratio by the rounding of the last operations.
template <int D, int G>
__global__ void __launch_bounds__(D) combine_kernel(const DecodeShape shape, const int max_splits, const float inv_eps,
                                                    const int32_t* __restrict__ num_selected,
                                                    const float* __restrict__ part_acc, const float2* __restrict__ part_ml,
                                                    const unsigned char* __restrict__ cert_bytes,
                                                    float* __restrict__ output, float* __restrict__ lse,
                                                    float* __restrict__ log_tail_bound, float* __restrict__ tail_bound,
                                                    float* __restrict__ output_error_bound) {
  __shared__ float s_sq[D / 32];
  const int row = blockIdx.x;  // b * Hq + hq
  const int b = row / shape.num_q_heads, hq = row % shape.num_q_heads;
  const int bk = b * shape.num_kv_heads + hq / G;
  const int pps = pages_per_split(shape.page_size);
  const int nsplits = (num_selected[bk] + pps - 1) / pps;
  const float2* ml = part_ml + static_cast<size_t>(row) * max_splits;
  float mx = kNegInf;
  for (int s = 0; s < nsplits; ++s) mx = fmaxf(mx, ml[s].x);
  float sum = 0.0f, a = 0.0f;
  for (int s = 0; s < nsplits; ++s) {
    const float w = expf(ml[s].x - mx);
    sum += ml[s].y * w;
    a += part_acc[(static_cast<size_t>(row) * max_splits + s) * D + threadIdx.x] * w;
  }
  const float o = a / sum;
  output[static_cast<size_t>(row) * D + threadIdx.x] = o;
  float sq = o * o;
#pragma unroll
  for (int off = 16; off > 0; off /= 2) sq += __shfl_xor_sync(0xffffffffu, sq, off);
  if (threadIdx.x % 32 == 0) s_sq[threadIdx.x / 32] = sq;
  __syncthreads();
  if (threadIdx.x != 0) return;
  float total = 0.0f;
  for (int w = 0; w < D / 32; ++w) total += s_sq[w];
  const float out_norm = sqrtf(total) * kNormRoundUp;
  const float lse_s = mx + logf(sum);
  lse[row] = lse_s;
  const TailPartial<G> cert = reinterpret_cast<const TailPartial<G>*>(cert_bytes)[bk];
  if (cert.n == 0.0f) {
    log_tail_bound[row] = kNegInf;
    tail_bound[row] = 0.0f;
    output_error_bound[row] = 0.0f;
    return;
  }
  const float lse_terms = static_cast<float>(pps * shape.page_size + max_splits);
  const float lse_down = lse_s - cert.e * inv_eps - sum_rounding(lse_terms) - exponent_rounding(lse_s);
  float log_ratio = cert.m[hq % G] - lse_down;
  log_ratio += exponent_rounding(log_ratio);
  const float log_tail = log_tail_from_log_ratio(log_ratio) + 8.0f * kUnitRoundoff;  // rounding of the last ops
  const float tail = fminf(1.0f, expf(log_tail) * (1.0f + 8.0f * kUnitRoundoff));
  log_tail_bound[row] = fminf(0.0f, log_tail);
  tail_bound[row] = tail;
  output_error_bound[row] = tail * (cert.v + out_norm) * kErrorBoundRoundUp;
}

// ------------------------------------------------------------------------------------------------
// ------------------------------------------------------------------------------------------------
// Metadata kernels.

/// Recomputes kmin/kmax/vmax of physical pages pages[i] with counts[i] tokens: block (i, kv head),
/// thread d handles dimension d for min/max; thread t < count computes ||v_t||.
template <typename T, int D>
__global__ void metadata_kernel(const DecodeShape shape, const DeviceKvCache cache, const int32_t* __restrict__ pages,
                                const int32_t* __restrict__ counts) {
  __shared__ float s_vmax;
  const int phys = pages[blockIdx.x], count = counts[blockIdx.x], kvh = blockIdx.y;
  const T* keys = static_cast<const T*>(cache.keys);
  const T* values = static_cast<const T*>(cache.values);
  const size_t page_base = (static_cast<size_t>(phys) * shape.num_kv_heads + kvh) * shape.page_size * D;
  if (threadIdx.x == 0) s_vmax = 0.0f;
  __syncthreads();
  if (threadIdx.x < D) {
    T lo = keys[page_base + threadIdx.x], hi = lo;
    for (int t = 1; t < count; ++t) {
      const T k = keys[page_base + static_cast<size_t>(t) * D + threadIdx.x];
      if (DtypeTraits<T>::to_float(k) < DtypeTraits<T>::to_float(lo)) lo = k;
      if (DtypeTraits<T>::to_float(k) > DtypeTraits<T>::to_float(hi)) hi = k;
    }
    const size_t meta = (static_cast<size_t>(phys) * shape.num_kv_heads + kvh) * D + threadIdx.x;
    static_cast<T*>(cache.kmin)[meta] = lo;
    static_cast<T*>(cache.kmax)[meta] = hi;
  }
  for (int t = threadIdx.x; t < count; t += blockDim.x) {
    float sq = 0.0f;
    for (int d = 0; d < D; ++d) {
      const float v = DtypeTraits<T>::to_float(values[page_base + static_cast<size_t>(t) * D + d]);
      sq += v * v;
    }
    atomicMax(reinterpret_cast<int*>(&s_vmax), __float_as_int(sqrtf(sq) * kNormRoundUp));  // norms >= 0
  }
  __syncthreads();
  if (threadIdx.x == 0) cache.vmax_norm[static_cast<size_t>(phys) * shape.num_kv_heads + kvh] = s_vmax;
}

/// Appends token seq_len[b] of (b, kv head) = block (b * Hkv + kvh) and updates its page's metadata.
template <typename T, int D>
__global__ void append_kernel(const DecodeShape shape, const DeviceKvCache cache, const T* __restrict__ new_keys,
                              const T* __restrict__ new_values) {
  __shared__ float s_sq[D / 32];
  const int bk = blockIdx.x, b = bk / shape.num_kv_heads, kvh = bk % shape.num_kv_heads;
  const int pos = cache.seq_len[b];
  const int p = pos / shape.page_size, slot = pos % shape.page_size;
  const int phys = cache.block_table[static_cast<size_t>(b) * shape.max_pages_per_seq + p];
  const int d = threadIdx.x;
  const T k = new_keys[static_cast<size_t>(bk) * D + d];
  const T v = new_values[static_cast<size_t>(bk) * D + d];
  const size_t off = ((static_cast<size_t>(phys) * shape.num_kv_heads + kvh) * shape.page_size + slot) * D + d;
  static_cast<T*>(cache.keys)[off] = k;
  static_cast<T*>(cache.values)[off] = v;
  const size_t meta = (static_cast<size_t>(phys) * shape.num_kv_heads + kvh) * D + d;
  T* kmin = static_cast<T*>(cache.kmin);
  T* kmax = static_cast<T*>(cache.kmax);
  const float kf = DtypeTraits<T>::to_float(k);
  if (slot == 0 || kf < DtypeTraits<T>::to_float(kmin[meta])) kmin[meta] = k;
  if (slot == 0 || kf > DtypeTraits<T>::to_float(kmax[meta])) kmax[meta] = k;
  const float vf = DtypeTraits<T>::to_float(v);
  float sq = vf * vf;
#pragma unroll
  for (int o = 16; o > 0; o /= 2) sq += __shfl_xor_sync(0xffffffffu, sq, o);
  if (d % 32 == 0) s_sq[d / 32] = sq;
  __syncthreads();
  if (d == 0) {
    float total = 0.0f;
    for (int w = 0; w < D / 32; ++w) total += s_sq[w];
    const float norm = sqrtf(total) * kNormRoundUp;
    float& vmax = cache.vmax_norm[static_cast<size_t>(phys) * shape.num_kv_heads + kvh];
    vmax = slot == 0 ? norm : fmaxf(vmax, norm);
    if (shape.pages_per_super > 0) {
      const int span = shape.pages_per_super * shape.page_size;
      float& svmax = cache.super_vmax[static_cast<size_t>(bk) * max_superpages(shape) + pos / span];
      svmax = pos % span == 0 ? norm : fmaxf(svmax, norm);
    }
  }
  if (shape.pages_per_super > 0) {  // the token's super-page: same exact min/max update
    const int span = shape.pages_per_super * shape.page_size;
    const size_t smeta = (static_cast<size_t>(bk) * max_superpages(shape) + pos / span) * D + d;
    T* skmin = static_cast<T*>(cache.super_kmin);
    T* skmax = static_cast<T*>(cache.super_kmax);
    const bool first = pos % span == 0;
    if (first || kf < DtypeTraits<T>::to_float(skmin[smeta])) skmin[smeta] = k;
    if (first || kf > DtypeTraits<T>::to_float(skmax[smeta])) skmax[smeta] = k;
  }
}

/// Super-page metadata from the page metadata: block (super-page j, sequence b * Hkv + kvh), thread d.
template <typename T, int D>
__global__ void superpage_metadata_kernel(const DecodeShape shape, const DeviceKvCache cache) {
  const int j = blockIdx.x, bk = blockIdx.y, b = bk / shape.num_kv_heads, kvh = bk % shape.num_kv_heads;
  const int len = cache.seq_len[b];
  const int num_pages = (len + shape.page_size - 1) / shape.page_size;
  const int S = shape.pages_per_super;
  const int p0 = j * S, p1 = min(num_pages, p0 + S);
  if (p0 >= p1) return;
  const T* kmin = static_cast<const T*>(cache.kmin);
  const T* kmax = static_cast<const T*>(cache.kmax);
  const int d = threadIdx.x;
  T lo = kmin[0], hi = lo;
  float vmax = 0.0f;
  for (int p = p0; p < p1; ++p) {
    const int phys = cache.block_table[static_cast<size_t>(b) * shape.max_pages_per_seq + p];
    const size_t meta = static_cast<size_t>(phys) * shape.num_kv_heads + kvh;
    const T a = kmin[meta * D + d], c = kmax[meta * D + d];
    if (p == p0 || DtypeTraits<T>::to_float(a) < DtypeTraits<T>::to_float(lo)) lo = a;
    if (p == p0 || DtypeTraits<T>::to_float(c) > DtypeTraits<T>::to_float(hi)) hi = c;
    vmax = fmaxf(vmax, cache.vmax_norm[meta]);
  }
  const size_t smeta = static_cast<size_t>(bk) * max_superpages(shape) + j;
  static_cast<T*>(cache.super_kmin)[smeta * D + d] = lo;
  static_cast<T*>(cache.super_kmax)[smeta * D + d] = hi;
  if (d == 0) cache.super_vmax[smeta] = vmax;
}

__global__ void advance_seq_len_kernel(int32_t* seq_len, int batch) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b < batch) seq_len[b] += 1;
}

// ------------------------------------------------------------------------------------------------
// Dispatch.

/// Chunk size of a routing level: the largest power of two in [kMinChunk, max_chunk(G)] that still gives
/// kTargetRouteBlocks routing blocks (halved while fewer), so that a batch of one is spread over the GPU.
int choose_chunk(int groups, int units, int g) {
  int chunk = max_chunk(g);
  while (chunk > kMinChunk && static_cast<long long>(groups) * ((units + chunk - 1) / chunk) < kTargetRouteBlocks) chunk /= 2;
  return chunk;
}

RouteBuffers route_buffers(const DecodeWorkspace* ws) {
  return {ws->cand_unit, ws->cand_key, ws->cand_ev, ws->cand_u, ws->cand_count, ws->partials, ws->carry, ws->cert,
          ws->refined, ws->num_refined, ws->cand_cap, ws->part_cap, ws->max_super};
}

template <typename T, int D, int G, int L>
void launch_level(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries, const DecodeParams& params,
                  DecodeWorkspace* ws, const DecodeOutputs& out, int units, int max_k, cudaStream_t stream) {
  const int groups = shape.batch * shape.num_kv_heads;
  LevelArgs la;
  la.chunk = choose_chunk(groups, units, G);
  la.stride = std::max(1, std::min(la.chunk, max_k));
  const int chunks = std::max(1, (units + la.chunk - 1) / la.chunk);
  const RouteBuffers rb = route_buffers(ws);
  route_chunk_kernel<T, D, G, L><<<dim3(chunks, groups), kRouteThreads, 0, stream>>>(
      shape, cache, queries, params.scale, 1.0f / params.eps, params, out.max_selected, la, rb);
  // Few candidate slots (small T or the hierarchical levels): a 256-thread block has less synchronisation.
  if (static_cast<long long>(chunks) * la.stride <= 2048) {
    select_final_kernel<G, L, kRouteThreads><<<groups, kRouteThreads, 0, stream>>>(
        shape, cache, params, out.max_selected, la, rb, 1.0f / params.eps, out.selected_pages, out.num_selected);
  } else {
    select_final_kernel<G, L, kFinalThreads><<<groups, kFinalThreads, 0, stream>>>(
        shape, cache, params, out.max_selected, la, rb, 1.0f / params.eps, out.selected_pages, out.num_selected);
  }
}

template <typename T, int D, int G>
Status launch_decode(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                     const DecodeParams& params, DecodeWorkspace* ws, const DecodeOutputs& out, cudaStream_t stream) {
  const int groups = shape.batch * shape.num_kv_heads;
  if (!params.hierarchical) {
    launch_level<T, D, G, kFlatPages>(shape, cache, queries, params, ws, out, shape.max_pages_per_seq, out.max_selected, stream);
  } else {
    const int max_super = max_superpages(shape);
    const int refine_max = params.refine_budget_per_group ? max_super : std::min(params.refine_budget, max_super);
    launch_level<T, D, G, kSuperPages>(shape, cache, queries, params, ws, out, max_super, refine_max, stream);
    // Refined super-pages: at most max(R, #forced super-pages); the forced ones are at most
    // ceil(sink / S) + ceil(recent / S) + 1 (the recent pages may straddle a super-page boundary).
    const int S = shape.pages_per_super;
    const int forced_super = (params.sink_pages + S - 1) / S + (params.recent_pages + S - 1) / S + 1;
    const int refined_max = std::min(max_super, std::max(refine_max, forced_super));
    launch_level<T, D, G, kRefinedPages>(shape, cache, queries, params, ws, out, refined_max * S, out.max_selected, stream);
  }
  const dim3 attention_grid(ws->max_splits, groups);
  attention_kernel<T, D, G><<<attention_grid, kAttentionThreads, 0, stream>>>(
      shape, cache, queries, params.scale / params.eps, out.max_selected, ws->max_splits, out.selected_pages,
      out.num_selected, ws->part_acc, ws->part_ml);
  combine_kernel<D, G><<<shape.batch * shape.num_q_heads, D, 0, stream>>>(
      shape, ws->max_splits, 1.0f / params.eps, out.num_selected, ws->part_acc, ws->part_ml, ws->cert, out.output,
      out.lse, out.log_tail_bound, out.tail_bound, out.output_error_bound);
  return cuda_status(cudaGetLastError(), "decode_step launch");
}

template <typename T, int D>
Status dispatch_group(int g, const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                      const DecodeParams& params, DecodeWorkspace* ws, const DecodeOutputs& out, cudaStream_t stream) {
  switch (g) {
    case 1: return launch_decode<T, D, 1>(shape, cache, queries, params, ws, out, stream);
    case 2: return launch_decode<T, D, 2>(shape, cache, queries, params, ws, out, stream);
    case 4: return launch_decode<T, D, 4>(shape, cache, queries, params, ws, out, stream);
    case 8: return launch_decode<T, D, 8>(shape, cache, queries, params, ws, out, stream);
    default: return {false, "vashista_cuda: decode_step: GQA group size " + std::to_string(g) + " not in {1, 2, 4, 8}"};
  }
}

template <typename T>
Status dispatch_dim(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                    const DecodeParams& params, DecodeWorkspace* ws, const DecodeOutputs& out, cudaStream_t stream) {
  const int g = shape.num_q_heads / shape.num_kv_heads;
  if (shape.head_dim == 64) return dispatch_group<T, 64>(g, shape, cache, queries, params, ws, out, stream);
  return dispatch_group<T, 128>(g, shape, cache, queries, params, ws, out, stream);
}

}  // namespace

int max_superpages_per_seq(const DecodeShape& shape) { return max_superpages(shape); }

Status check_shape(const DecodeShape& s) {
  auto fail = [](const std::string& what) { return Status{false, "vashista_cuda: unsupported shape: " + what}; };
  if (s.batch < 1 || s.num_kv_heads < 1 || s.num_q_heads < 1) return fail("batch and head counts must be >= 1");
  if (s.num_q_heads % s.num_kv_heads != 0) return fail("num_q_heads not a multiple of num_kv_heads");
  const int g = s.num_q_heads / s.num_kv_heads;
  if (g != 1 && g != 2 && g != 4 && g != 8) return fail("GQA group size " + std::to_string(g) + " not in {1, 2, 4, 8}");
  if (s.head_dim != 64 && s.head_dim != 128) return fail("head_dim " + std::to_string(s.head_dim) + " not 64 or 128");
  if (s.page_size != 16 && s.page_size != 32 && s.page_size != 64)
    return fail("page_size " + std::to_string(s.page_size) + " not 16, 32 or 64");
  if (s.max_pages_per_seq < 1 || s.num_physical_pages < 1) return fail("no pages");
  if (s.pages_per_super != 0 && (s.pages_per_super < 2 || s.pages_per_super > 4096))
    return fail("pages_per_super " + std::to_string(s.pages_per_super) + " not 0 or in [2, 4096]");
  return {};
}

Status create_workspace(const DecodeShape& shape, int max_selected, DecodeWorkspace** workspace) {
  Status st = check_shape(shape);
  if (!st.ok) return st;
  if (max_selected < 1) return {false, "vashista_cuda: create_workspace: max_selected must be >= 1"};
  auto* ws = new DecodeWorkspace;
  ws->shape = shape;
  ws->max_selected = max_selected;
  const int pps = pages_per_split(shape.page_size);
  ws->max_splits = (max_selected + pps - 1) / pps;
  ws->max_super = max_superpages(shape);
  // Units of a level: pages (flat), super-pages, or pages of refined super-pages (<= max_super * S); a level
  // uses ceil(units / chunk) * stride <= units + chunk - 1 candidate slots and ceil(units / chunk) partials.
  const int max_units = std::max(shape.max_pages_per_seq, ws->max_super * shape.pages_per_super);
  ws->cand_cap = max_units + max_chunk(1);
  ws->part_cap = (max_units + kMinChunk - 1) / kMinChunk + 1;
  const int g = shape.num_q_heads / shape.num_kv_heads;
  const size_t groups = static_cast<size_t>(shape.batch) * shape.num_kv_heads;
  const size_t rows = static_cast<size_t>(shape.batch) * shape.num_q_heads;
  const size_t slots = groups * ws->cand_cap;
  const size_t partial_bytes = sizeof(TailPartial<kMaxGroupSize>);
  cudaError_t err = cudaSuccess;
  auto alloc = [&](auto** ptr, size_t bytes) {
    if (err == cudaSuccess) err = cudaMalloc(reinterpret_cast<void**>(ptr), std::max<size_t>(bytes, 4));
  };
  alloc(&ws->cand_unit, slots * sizeof(int32_t));
  alloc(&ws->cand_key, slots * sizeof(uint32_t));
  alloc(&ws->cand_ev, slots * sizeof(float2));
  alloc(&ws->cand_u, slots * g * sizeof(float));
  alloc(&ws->cand_count, groups * ws->part_cap * sizeof(int32_t));
  alloc(&ws->partials, groups * ws->part_cap * partial_bytes);
  alloc(&ws->carry, groups * partial_bytes);
  alloc(&ws->cert, groups * partial_bytes);
  alloc(&ws->refined, groups * std::max(1, ws->max_super) * sizeof(int32_t));
  alloc(&ws->num_refined, groups * sizeof(int32_t));
  alloc(&ws->part_acc, rows * ws->max_splits * shape.head_dim * sizeof(float));
  alloc(&ws->part_ml, rows * ws->max_splits * sizeof(float2));
  alloc(&ws->budgets, groups * sizeof(int32_t));
  alloc(&ws->refine_budgets, groups * sizeof(int32_t));
  if (err != cudaSuccess) {
    destroy_workspace(ws);
    return cuda_status(err, "create_workspace: cudaMalloc");
  }
  *workspace = ws;
  return {};
}

void destroy_workspace(DecodeWorkspace* ws) {
  if (!ws) return;
  for (void* p : {static_cast<void*>(ws->cand_unit), static_cast<void*>(ws->cand_key), static_cast<void*>(ws->cand_ev),
                  static_cast<void*>(ws->cand_u), static_cast<void*>(ws->cand_count), static_cast<void*>(ws->partials),
                  static_cast<void*>(ws->carry), static_cast<void*>(ws->cert), static_cast<void*>(ws->refined),
                  static_cast<void*>(ws->num_refined), static_cast<void*>(ws->part_acc), static_cast<void*>(ws->part_ml),
                  static_cast<void*>(ws->budgets), static_cast<void*>(ws->refine_budgets)})
    cudaFree(p);
  delete ws;
}

Status decode_step(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                   const DecodeParams& params, DecodeWorkspace* ws, const DecodeOutputs& out, void* stream) {
  Status st = check_shape(shape);
  if (!st.ok) return st;
  if (!ws || ws->shape.batch != shape.batch || ws->shape.num_q_heads != shape.num_q_heads ||
      ws->shape.num_kv_heads != shape.num_kv_heads || ws->shape.head_dim != shape.head_dim ||
      ws->shape.max_pages_per_seq != shape.max_pages_per_seq || ws->shape.page_size != shape.page_size ||
      ws->shape.pages_per_super != shape.pages_per_super || ws->max_selected < out.max_selected)
    return {false, "vashista_cuda: decode_step: workspace was created for another shape or max_selected"};
  if (!(params.eps > 0.0f) || !(params.scale > 0.0f) || params.page_budget < 1 || params.sink_pages < 0 ||
      params.recent_pages < 0 || params.sink_pages + params.recent_pages > out.max_selected)
    return {false, "vashista_cuda: decode_step: bad params (eps, scale > 0; budget >= 1; sink + recent <= max_selected)"};
  if (params.hierarchical && (shape.pages_per_super < 2 || !cache.super_kmin || !cache.super_kmax || !cache.super_vmax ||
                              params.refine_budget < 1))
    return {false, "vashista_cuda: decode_step: hierarchical routing needs super-page metadata and refine_budget >= 1"};
  const auto s = static_cast<cudaStream_t>(stream);
  if (shape.dtype == KvDtype::bf16) return dispatch_dim<__nv_bfloat16>(shape, cache, queries, params, ws, out, s);
  return dispatch_dim<__half>(shape, cache, queries, params, ws, out, s);
}

Status decode_step_adaptive(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                            const DecodeParams& params, float delta, DecodeWorkspace* ws, const DecodeOutputs& out,
                            void* stream, int* rounds) {
  const int groups = shape.batch * shape.num_kv_heads;
  const int g = shape.num_q_heads / shape.num_kv_heads;
  std::vector<int32_t> budget(groups, std::min(params.page_budget, out.max_selected));
  std::vector<int32_t> refine(groups, params.refine_budget);
  std::vector<int32_t> seq_len(shape.batch), nsel(groups);
  std::vector<float> tail(static_cast<size_t>(shape.batch) * shape.num_q_heads);
  const auto s = static_cast<cudaStream_t>(stream);
  VASHISTA_CUDA_TRY(cudaMemcpyAsync(seq_len.data(), cache.seq_len, seq_len.size() * sizeof(int32_t),
                                    cudaMemcpyDeviceToHost, s), "decode_step_adaptive: seq_len");
  DecodeParams at = params;
  at.page_budget_per_group = ws->budgets;
  if (params.hierarchical) at.refine_budget_per_group = ws->refine_budgets;
  int round = 0;
  while (true) {
    VASHISTA_CUDA_TRY(cudaMemcpyAsync(ws->budgets, budget.data(), budget.size() * sizeof(int32_t),
                                      cudaMemcpyHostToDevice, s), "decode_step_adaptive: budgets");
    if (params.hierarchical)
      VASHISTA_CUDA_TRY(cudaMemcpyAsync(ws->refine_budgets, refine.data(), refine.size() * sizeof(int32_t),
                                        cudaMemcpyHostToDevice, s), "decode_step_adaptive: refine budgets");
    Status st = decode_step(shape, cache, queries, at, ws, out, stream);
    if (!st.ok) return st;
    ++round;
    if (!(delta > 0.0f)) break;
    VASHISTA_CUDA_TRY(cudaMemcpyAsync(tail.data(), out.tail_bound, tail.size() * sizeof(float), cudaMemcpyDeviceToHost, s),
                      "decode_step_adaptive: tail_bound");
    VASHISTA_CUDA_TRY(cudaMemcpyAsync(nsel.data(), out.num_selected, nsel.size() * sizeof(int32_t),
                                      cudaMemcpyDeviceToHost, s), "decode_step_adaptive: num_selected");
    VASHISTA_CUDA_TRY(cudaStreamSynchronize(s), "decode_step_adaptive: synchronize");
    bool again = false;
    for (int bk = 0; bk < groups; ++bk) {
      const int b = bk / shape.num_kv_heads;
      const int num_pages = (seq_len[b] + shape.page_size - 1) / shape.page_size;
      const int num_super = params.hierarchical ? (num_pages + shape.pages_per_super - 1) / shape.pages_per_super : 0;
      float worst = 0.0f;
      for (int h = 0; h < g; ++h) worst = std::max(worst, tail[static_cast<size_t>(bk) * g + h]);
      const bool can_grow = budget[bk] < out.max_selected || (params.hierarchical && refine[bk] < num_super);
      if (worst > delta && nsel[bk] < num_pages && can_grow) {
        budget[bk] = std::min(2 * budget[bk], out.max_selected);  // P and R double together (docs/kernel.md)
        refine[bk] = std::min(2 * refine[bk], std::max(num_super, 1));
        again = true;
      }
    }
    if (!again) break;
  }
  if (rounds) *rounds = round;
  return {};
}

Status build_page_metadata(const DecodeShape& shape, const DeviceKvCache& cache, const int32_t* pages,
                           const int32_t* counts, int num_pages, void* stream) {
  Status st = check_shape(shape);
  if (!st.ok) return st;
  if (num_pages == 0) return {};
  const dim3 grid(num_pages, shape.num_kv_heads);
  const auto s = static_cast<cudaStream_t>(stream);
  const int threads = std::max(shape.head_dim, shape.page_size);
  if (shape.dtype == KvDtype::bf16) {
    if (shape.head_dim == 64) metadata_kernel<__nv_bfloat16, 64><<<grid, threads, 0, s>>>(shape, cache, pages, counts);
    else metadata_kernel<__nv_bfloat16, 128><<<grid, threads, 0, s>>>(shape, cache, pages, counts);
  } else {
    if (shape.head_dim == 64) metadata_kernel<__half, 64><<<grid, threads, 0, s>>>(shape, cache, pages, counts);
    else metadata_kernel<__half, 128><<<grid, threads, 0, s>>>(shape, cache, pages, counts);
  }
  return cuda_status(cudaGetLastError(), "build_page_metadata launch");
}

Status build_superpage_metadata(const DecodeShape& shape, const DeviceKvCache& cache, void* stream) {
  Status st = check_shape(shape);
  if (!st.ok) return st;
  if (shape.pages_per_super == 0 || !cache.super_kmin || !cache.super_kmax || !cache.super_vmax)
    return {false, "vashista_cuda: build_superpage_metadata: no super-page metadata (pages_per_super or pointers)"};
  const dim3 grid(max_superpages(shape), shape.batch * shape.num_kv_heads);
  const auto s = static_cast<cudaStream_t>(stream);
  if (shape.dtype == KvDtype::bf16) {
    if (shape.head_dim == 64) superpage_metadata_kernel<__nv_bfloat16, 64><<<grid, 64, 0, s>>>(shape, cache);
    else superpage_metadata_kernel<__nv_bfloat16, 128><<<grid, 128, 0, s>>>(shape, cache);
  } else {
    if (shape.head_dim == 64) superpage_metadata_kernel<__half, 64><<<grid, 64, 0, s>>>(shape, cache);
    else superpage_metadata_kernel<__half, 128><<<grid, 128, 0, s>>>(shape, cache);
  }
  return cuda_status(cudaGetLastError(), "build_superpage_metadata launch");
}

Status append_tokens(const DecodeShape& shape, const DeviceKvCache& cache, const void* new_keys,
                     const void* new_values, void* stream) {
  Status st = check_shape(shape);
  if (!st.ok) return st;
  if (shape.pages_per_super > 0 && (!cache.super_kmin || !cache.super_kmax || !cache.super_vmax))
    return {false, "vashista_cuda: append_tokens: pages_per_super > 0 but no super-page metadata"};
  const auto s = static_cast<cudaStream_t>(stream);
  const int groups = shape.batch * shape.num_kv_heads;
  if (shape.dtype == KvDtype::bf16) {
    const auto* k = static_cast<const __nv_bfloat16*>(new_keys);
    const auto* v = static_cast<const __nv_bfloat16*>(new_values);
    if (shape.head_dim == 64) append_kernel<__nv_bfloat16, 64><<<groups, 64, 0, s>>>(shape, cache, k, v);
    else append_kernel<__nv_bfloat16, 128><<<groups, 128, 0, s>>>(shape, cache, k, v);
  } else {
    const auto* k = static_cast<const __half*>(new_keys);
    const auto* v = static_cast<const __half*>(new_values);
    if (shape.head_dim == 64) append_kernel<__half, 64><<<groups, 64, 0, s>>>(shape, cache, k, v);
    else append_kernel<__half, 128><<<groups, 128, 0, s>>>(shape, cache, k, v);
  }
  advance_seq_len_kernel<<<(shape.batch + 255) / 256, 256, 0, s>>>(cache.seq_len, shape.batch);
  return cuda_status(cudaGetLastError(), "append_tokens launch");
}

}  // namespace vashista::cuda
