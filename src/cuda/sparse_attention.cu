// Vashista Sparse Attention on the GPU (docs/kernel.md): routing, top-P selection, split attention with
// a combine, and the certificate, for a batched paged bf16/fp16 KV cache with GQA. fp32 accumulation.
// Semantics are those of the CPU reference (src/sparse/sparse_attention.hpp); where fp32 rounding could
// make a bound unsound, an explicit rounding bound (in units of u = 2^-24) is added, named below.
#include "cuda/kernel_common.cuh"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace vashista::cuda {

struct DecodeWorkspace {
  DecodeShape shape;
  int max_selected = 0;
  int max_splits = 0;
  float2* upper = nullptr;          // [batch*Hkv][max_pages][g]: {U_hat_{p,h}, err_{p,h}}
  uint32_t* group_key = nullptr;    // [batch*Hkv][max_pages]: float_key(max_h U_hat_{p,h})
  uint8_t* selected_mask = nullptr; // [batch*Hkv][max_pages]
  float* part_acc = nullptr;        // [batch*Hq][max_splits][d]: unnormalised split outputs
  float2* part_ml = nullptr;        // [batch*Hq][max_splits]: {running max m, sum l} of a split
  float* out_norm = nullptr;        // [batch*Hq]: ||o_S||
  int32_t* budgets = nullptr;       // [batch*Hkv]: per-group budgets of the adaptive mode
};

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// Relative rounding bound of an fp32 sum of n positive terms, each from expf (<= 2 ulp): (n + 16) * 2u.
/// ln(1 + x) <= x makes it a bound in natural-log units as well.
__device__ __forceinline__ float sum_rounding(float n_terms) { return (n_terms + 16.0f) * 2.0f * kUnitRoundoff; }

/// Rounding of an exponent of magnitude |t| formed by a few fp32 operations: (|t| + 1) * 4u.
__device__ __forceinline__ float exponent_rounding(float t) { return (fabsf(t) + 1.0f) * 4.0f * kUnitRoundoff; }

__device__ __forceinline__ int tokens_in_page(int len, int p, int page_size) { return min(page_size, len - p * page_size); }

/// ln(r / (1 + r)) from ln r, without overflow for either sign.
__device__ __forceinline__ float log_tail_from_log_ratio(float log_ratio) {
  return log_ratio > 0.0f ? -log1pf(expf(-log_ratio)) : log_ratio - log1pf(expf(log_ratio));
}

// ------------------------------------------------------------------------------------------------
// (a) Routing: U_{p,h} = tau sum_d max(q_hd kmin_pd, q_hd kmax_pd) >= max_{i in p} s_i.
// fp32 evaluation differs from the exact value by at most gamma_D * A_{p,h}, A = tau sum_d |q_hd| max(|kmin|,|kmax|),
// gamma_D = (D + 4) u (products of fp32 by 8-bit-mantissa values, a D-term sum, the scale, the final add),
// times 17/16 for the rounding of gamma * A itself. The kernel stores U_hat = fl(U) + err, err = gamma_D A:
// an upper bound of every exact score of the page and of every fp32 score of the attention kernel.
template <int D> __device__ __forceinline__ float routing_gamma() {
  return static_cast<float>(D + 4) * kUnitRoundoff * 1.0625f;
}

template <typename T, int D, int G>
__global__ void __launch_bounds__(kRoutingThreads) routing_kernel(const DecodeShape shape, const DeviceKvCache cache,
                                                                  const float* __restrict__ queries, const float scale,
                                                                  float2* __restrict__ upper, uint32_t* __restrict__ group_key) {
  constexpr int kLanes = D / kVec;                         // lanes per page
  constexpr int kPagesPerPass = kRoutingThreads / kLanes;
  constexpr int kPagesPerBlock = kPagesPerPass * kRoutingIters;
  __shared__ float q_s[G][D];
  const int bk = blockIdx.y, b = bk / shape.num_kv_heads, kvh = bk % shape.num_kv_heads;
  const int len = cache.seq_len[b];
  const int num_pages = (len + shape.page_size - 1) / shape.page_size;
  const int first_page = blockIdx.x * kPagesPerBlock;
  if (first_page >= num_pages) return;
  for (int i = threadIdx.x; i < G * D; i += blockDim.x) {
    q_s[i / D][i % D] = queries[(static_cast<size_t>(b) * shape.num_q_heads + kvh * G + i / D) * D + i % D];
  }
  __syncthreads();
  const T* kmin = static_cast<const T*>(cache.kmin);
  const T* kmax = static_cast<const T*>(cache.kmax);
  const int lane = threadIdx.x % kLanes;
  const unsigned group_mask = kLanes == 32 ? 0xffffffffu : (((1u << kLanes) - 1u) << (threadIdx.x % 32 / kLanes * kLanes));
  const float gamma = routing_gamma<D>();
#pragma unroll 1
  for (int it = 0; it < kRoutingIters; ++it) {
    const int p = first_page + it * kPagesPerPass + threadIdx.x / kLanes;
    if (p >= num_pages) break;  // uniform within a lane group
    const int phys = cache.block_table[static_cast<size_t>(b) * shape.max_pages_per_seq + p];
    const size_t off = (static_cast<size_t>(phys) * shape.num_kv_heads + kvh) * D + lane * kVec;
    float lo[kVec], hi[kVec];
    load8(kmin + off, lo);
    load8(kmax + off, hi);
    float best = kNegInf;
#pragma unroll
    for (int h = 0; h < G; ++h) {
      float u = 0.0f, a = 0.0f;
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        const float q = q_s[h][lane * kVec + i];
        u += fmaxf(q * lo[i], q * hi[i]);
        a += fabsf(q) * fmaxf(fabsf(lo[i]), fabsf(hi[i]));
      }
#pragma unroll
      for (int o = kLanes / 2; o > 0; o /= 2) {
        u += __shfl_xor_sync(group_mask, u, o, kLanes);
        a += __shfl_xor_sync(group_mask, a, o, kLanes);
      }
      const float err = gamma * scale * a;
      const float u_hat = scale * u + err;
      best = fmaxf(best, u_hat);
      if (lane == 0) upper[(static_cast<size_t>(bk) * shape.max_pages_per_seq + p) * G + h] = make_float2(u_hat, err);
    }
    if (lane == 0) group_key[static_cast<size_t>(bk) * shape.max_pages_per_seq + p] = float_key(best);
  }
}

// ------------------------------------------------------------------------------------------------
// (b) Selection: forced pages (first sink, last recent) U the K = P - #forced other pages of largest
// U_p (ties -> lower index). Radix select (4 passes of 8 bits) finds the K-th largest key T and how many
// keys equal to T are taken; a final pass in index order writes the sorted list and the page mask.

/// Exclusive block scan of 0/1 flags with blockDim.x = kSelectThreads; *total receives the sum.
__device__ __forceinline__ int block_scan_flag(bool flag, int* warp_sums, int* total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const unsigned ballot = __ballot_sync(0xffffffffu, flag);
  const int in_warp = __popc(ballot & ((1u << lane) - 1u));
  if (lane == 0) warp_sums[warp] = __popc(ballot);
  __syncthreads();
  if (warp == 0) {
    const int v = lane < kSelectThreads / 32 ? warp_sums[lane] : 0;
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

__global__ void __launch_bounds__(kSelectThreads) select_kernel(const DecodeShape shape, const DeviceKvCache cache,
                                                                const DecodeParams params, const int max_selected,
                                                                const uint32_t* __restrict__ group_key,
                                                                int32_t* __restrict__ selected, int32_t* __restrict__ num_selected,
                                                                uint8_t* __restrict__ mask) {
  __shared__ unsigned hist[256];
  __shared__ uint32_t s_prefix;
  __shared__ int s_k;
  __shared__ int warp_sums[32];
  __shared__ int s_total;
  const int bk = blockIdx.x, b = bk / shape.num_kv_heads;
  const int len = cache.seq_len[b];
  const int num_pages = (len + shape.page_size - 1) / shape.page_size;
  const uint32_t* keys = group_key + static_cast<size_t>(bk) * shape.max_pages_per_seq;
  int budget = params.page_budget_per_group ? params.page_budget_per_group[bk] : params.page_budget;
  budget = min(budget, max_selected);
  const int num_forced = min(num_pages, params.sink_pages + params.recent_pages);
  const int num_free = num_pages - num_forced;
  const int k_total = max(0, min(budget - num_forced, num_free));
  auto is_forced = [&](int p) { return p < params.sink_pages || p >= num_pages - params.recent_pages; };

  uint32_t threshold;  // pages with key > threshold are taken, and need_eq of those with key == threshold
  int need_eq;
  if (k_total == 0) {
    threshold = 0xffffffffu;
    need_eq = 0;
  } else if (k_total == num_free) {
    threshold = 0u;  // every real key is > 0
    need_eq = 0;
  } else {
    uint32_t prefix = 0, prefix_mask = 0;
    int k = k_total;
#pragma unroll 1
    for (int shift = 24; shift >= 0; shift -= 8) {
      for (int i = threadIdx.x; i < 256; i += blockDim.x) hist[i] = 0;
      __syncthreads();
      for (int p = threadIdx.x; p < num_pages; p += blockDim.x) {
        if (is_forced(p)) continue;
        const uint32_t key = keys[p];
        if ((key & prefix_mask) == prefix) atomicAdd(&hist[(key >> shift) & 255u], 1u);
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        int cum = 0;
        for (int bin = 255; bin >= 0; --bin) {
          const int c = static_cast<int>(hist[bin]);
          if (cum + c >= k) {
            s_prefix = prefix | (static_cast<uint32_t>(bin) << shift);
            s_k = k - cum;
            break;
          }
          cum += c;
        }
      }
      __syncthreads();
      prefix = s_prefix;
      k = s_k;
      prefix_mask |= 255u << shift;
      __syncthreads();
    }
    threshold = prefix;
    need_eq = k;
  }

  int32_t* out = selected + static_cast<size_t>(bk) * max_selected;
  uint8_t* page_mask = mask + static_cast<size_t>(bk) * shape.max_pages_per_seq;
  int out_pos = 0, eq_seen = 0;
#pragma unroll 1
  for (int base = 0; base < num_pages; base += blockDim.x) {
    const int p = base + threadIdx.x;
    const bool valid = p < num_pages;
    const uint32_t key = valid ? keys[p] : 0u;
    const bool forced = valid && is_forced(p);
    const bool is_eq = valid && !forced && key == threshold;
    const int eq_rank = eq_seen + block_scan_flag(is_eq, warp_sums, &s_total);
    eq_seen += s_total;
    const bool take = valid && (forced || (key > threshold) || (is_eq && eq_rank < need_eq));
    const int pos = out_pos + block_scan_flag(take, warp_sums, &s_total);
    out_pos += s_total;
    if (take) out[pos] = p;
    if (valid) page_mask[p] = take ? 1 : 0;
  }
  for (int i = out_pos + threadIdx.x; i < max_selected; i += blockDim.x) out[i] = -1;
  if (threadIdx.x == 0) num_selected[bk] = out_pos;
}

// ------------------------------------------------------------------------------------------------
// (c) Attention over the selected pages, flash-decoding: block (split, sequence, KV head) attends the
// tokens of pages [split * pps, (split + 1) * pps) of the selected list for all G heads of the group (the
// K/V tile is read once per group). A lane group of D/8 lanes handles one token; online softmax in fp32
// on x_i = s_i / eps; the lane groups are merged in shared memory; (m, l, acc) of the split go to global.
template <typename T, int D, int G>
__global__ void __launch_bounds__(kAttentionThreads) attention_kernel(
    const DecodeShape shape, const DeviceKvCache cache, const float* __restrict__ queries, const float scale_over_eps,
    const int max_selected, const int max_splits, const int32_t* __restrict__ selected,
    const int32_t* __restrict__ num_selected, float* __restrict__ part_acc, float2* __restrict__ part_ml) {
  constexpr int kLanes = D / kVec;
  constexpr int kGroups = kAttentionThreads / kLanes;
  __shared__ float s_m[kGroups][G], s_l[kGroups][G];
  __shared__ float s_acc[kGroups][G][D];
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
  const T* keys = static_cast<const T*>(cache.keys);
  const T* values = static_cast<const T*>(cache.values);
  const int32_t* sel = selected + static_cast<size_t>(bk) * max_selected;
  const int num_tokens = (last - first) * shape.page_size;
#pragma unroll 1
  for (int t = grp; t < num_tokens; t += kGroups) {
    const int p = sel[first + t / shape.page_size];
    const int slot = t % shape.page_size;
    if (slot >= tokens_in_page(len, p, shape.page_size)) continue;  // uniform within the lane group
    const int phys = cache.block_table[static_cast<size_t>(b) * shape.max_pages_per_seq + p];
    const size_t off = ((static_cast<size_t>(phys) * shape.num_kv_heads + kvh) * shape.page_size + slot) * D + lane * kVec;
    float k[kVec], v[kVec];
    load8(keys + off, k);
    load8(values + off, v);
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

/// Combine of the splits: o_S = sum_s acc_s e^{m_s - M} / sum_s l_s e^{m_s - M}, lse_S = M + ln(sum).
/// One block of D threads per (sequence, query head); also ||o_S||.
template <int D, int G>
__global__ void __launch_bounds__(D) combine_kernel(const DecodeShape shape, const int max_splits,
                                                    const int32_t* __restrict__ num_selected,
                                                    const float* __restrict__ part_acc, const float2* __restrict__ part_ml,
                                                    float* __restrict__ output, float* __restrict__ lse, float* __restrict__ out_norm) {
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
  if (threadIdx.x == 0) {
    float total = 0.0f;
    for (int w = 0; w < D / 32; ++w) total += s_sq[w];
    out_norm[row] = sqrtf(total) * kNormRoundUp;
    lse[row] = mx + logf(sum);
  }
}

// ------------------------------------------------------------------------------------------------
// (d) Certificate per query head: ln(X_ub / Z_S) = LSE_{p unselected}(ln c_p + U_hat_{p,h}/eps) - lse_S,
// tail_bound = (X_ub/Z_S)/(1 + X_ub/Z_S) in the log domain, error bound tail * (max vmax_unsel + ||o_S||).
// Soundness against the exact (double) quantities: ln X_ub is raised by the fp32 rounding bound of its sum
// and exponents; lse_S is lowered by max_{p selected} err_{p,h}/eps (score rounding), the rounding bound of
// its sums, and of its exponent; the final ratio by the rounding of the last operations.
template <int G>
__global__ void __launch_bounds__(kCertificateThreads) certificate_kernel(
    const DecodeShape shape, const DeviceKvCache cache, const float inv_eps, const int max_splits,
    const float2* __restrict__ upper, const uint8_t* __restrict__ mask, const float* __restrict__ lse,
    const float* __restrict__ out_norm, float* __restrict__ log_tail_bound, float* __restrict__ tail_bound,
    float* __restrict__ output_error_bound) {
  __shared__ float s_m[kCertificateThreads / 32][G], s_s[kCertificateThreads / 32][G], s_e[kCertificateThreads / 32][G];
  __shared__ float s_v[kCertificateThreads / 32];
  __shared__ int s_n[kCertificateThreads / 32];
  const int bk = blockIdx.x, b = bk / shape.num_kv_heads, kvh = bk % shape.num_kv_heads;
  const int len = cache.seq_len[b];
  const int num_pages = (len + shape.page_size - 1) / shape.page_size;
  float m[G], s[G], errmax[G];
#pragma unroll
  for (int h = 0; h < G; ++h) {
    m[h] = kNegInf;
    s[h] = 0.0f;
    errmax[h] = 0.0f;
  }
  float vmax = 0.0f;
  int n_unselected = 0;
  const size_t base = static_cast<size_t>(bk) * shape.max_pages_per_seq;
  for (int p = threadIdx.x; p < num_pages; p += blockDim.x) {
    if (mask[base + p]) {
#pragma unroll
      for (int h = 0; h < G; ++h) errmax[h] = fmaxf(errmax[h], upper[(base + p) * G + h].y);
      continue;
    }
    ++n_unselected;
    const float log_c = logf(static_cast<float>(tokens_in_page(len, p, shape.page_size)));
    const int phys = cache.block_table[static_cast<size_t>(b) * shape.max_pages_per_seq + p];
    vmax = fmaxf(vmax, cache.vmax_norm[static_cast<size_t>(phys) * shape.num_kv_heads + kvh]);
#pragma unroll
    for (int h = 0; h < G; ++h) {
      const float t = log_c + upper[(base + p) * G + h].x * inv_eps;
      if (t > m[h]) {
        s[h] = s[h] * expf(m[h] - t) + 1.0f;
        m[h] = t;
      } else {
        s[h] += expf(t - m[h]);
      }
    }
  }
  // Block reduction: (m, s) pairs merge as (M, s1 e^{m1-M} + s2 e^{m2-M}).
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int off = 16; off > 0; off /= 2) {
#pragma unroll
    for (int h = 0; h < G; ++h) {
      const float m2 = __shfl_xor_sync(0xffffffffu, m[h], off);
      const float s2 = __shfl_xor_sync(0xffffffffu, s[h], off);
      const float mx = fmaxf(m[h], m2);
      s[h] = mx == kNegInf ? 0.0f : s[h] * expf(m[h] - mx) + s2 * expf(m2 - mx);
      m[h] = mx;
      errmax[h] = fmaxf(errmax[h], __shfl_xor_sync(0xffffffffu, errmax[h], off));
    }
    vmax = fmaxf(vmax, __shfl_xor_sync(0xffffffffu, vmax, off));
    n_unselected += __shfl_xor_sync(0xffffffffu, n_unselected, off);
  }
  if (lane == 0) {
#pragma unroll
    for (int h = 0; h < G; ++h) {
      s_m[warp][h] = m[h];
      s_s[warp][h] = s[h];
      s_e[warp][h] = errmax[h];
    }
    s_v[warp] = vmax;
    s_n[warp] = n_unselected;
  }
  __syncthreads();
  if (threadIdx.x >= G) return;
  const int h = threadIdx.x;
  float mx = kNegInf, sum = 0.0f, emax = 0.0f, vm = 0.0f;
  int unselected = 0;
  for (int w = 0; w < kCertificateThreads / 32; ++w) mx = fmaxf(mx, s_m[w][h]);
  for (int w = 0; w < kCertificateThreads / 32; ++w) {
    if (s_m[w][h] != kNegInf) sum += s_s[w][h] * expf(s_m[w][h] - mx);
    emax = fmaxf(emax, s_e[w][h]);
    vm = fmaxf(vm, s_v[w]);
    unselected += s_n[w];
  }
  const int row = b * shape.num_q_heads + kvh * G + h;
  if (unselected == 0) {
    log_tail_bound[row] = kNegInf;
    tail_bound[row] = 0.0f;
    output_error_bound[row] = 0.0f;
    return;
  }
  const float serial_terms = static_cast<float>((num_pages + kCertificateThreads - 1) / kCertificateThreads) + 16.0f;
  const float log_x = mx + logf(sum);
  const float log_x_up = log_x + sum_rounding(serial_terms) + exponent_rounding(mx);
  const int pps = pages_per_split(shape.page_size);
  const float lse_terms = static_cast<float>(pps * shape.page_size + max_splits);
  const float lse_s = lse[row];
  const float lse_down = lse_s - emax * inv_eps - sum_rounding(lse_terms) - exponent_rounding(lse_s);
  float log_ratio = log_x_up - lse_down;
  log_ratio += exponent_rounding(log_ratio);
  const float log_tail = log_tail_from_log_ratio(log_ratio) + 8.0f * kUnitRoundoff;  // rounding of the last ops
  const float tail = fminf(1.0f, expf(log_tail) * (1.0f + 8.0f * kUnitRoundoff));
  log_tail_bound[row] = fminf(0.0f, log_tail);
  tail_bound[row] = tail;
  output_error_bound[row] = tail * (vm + out_norm[row]) * kErrorBoundRoundUp;
}

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
  }
}

__global__ void advance_seq_len_kernel(int32_t* seq_len, int batch) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b < batch) seq_len[b] += 1;
}

// ------------------------------------------------------------------------------------------------
// Dispatch.

template <typename T, int D, int G>
Status launch_decode(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                     const DecodeParams& params, DecodeWorkspace* ws, const DecodeOutputs& out, cudaStream_t stream) {
  const int groups = shape.batch * shape.num_kv_heads;
  constexpr int kPagesPerBlock = kRoutingThreads / (D / kVec) * kRoutingIters;
  const dim3 routing_grid((shape.max_pages_per_seq + kPagesPerBlock - 1) / kPagesPerBlock, groups);
  routing_kernel<T, D, G><<<routing_grid, kRoutingThreads, 0, stream>>>(shape, cache, queries, params.scale, ws->upper,
                                                                        ws->group_key);
  select_kernel<<<groups, kSelectThreads, 0, stream>>>(shape, cache, params, out.max_selected, ws->group_key,
                                                       out.selected_pages, out.num_selected, ws->selected_mask);
  const dim3 attention_grid(ws->max_splits, groups);
  attention_kernel<T, D, G><<<attention_grid, kAttentionThreads, 0, stream>>>(
      shape, cache, queries, params.scale / params.eps, out.max_selected, ws->max_splits, out.selected_pages,
      out.num_selected, ws->part_acc, ws->part_ml);
  combine_kernel<D, G><<<shape.batch * shape.num_q_heads, D, 0, stream>>>(shape, ws->max_splits, out.num_selected,
                                                                           ws->part_acc, ws->part_ml, out.output,
                                                                           out.lse, ws->out_norm);
  certificate_kernel<G><<<groups, kCertificateThreads, 0, stream>>>(
      shape, cache, 1.0f / params.eps, ws->max_splits, ws->upper, ws->selected_mask, out.lse, ws->out_norm,
      out.log_tail_bound, out.tail_bound, out.output_error_bound);
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
  const int g = shape.num_q_heads / shape.num_kv_heads;
  const size_t groups = static_cast<size_t>(shape.batch) * shape.num_kv_heads;
  const size_t rows = static_cast<size_t>(shape.batch) * shape.num_q_heads;
  const size_t pages = groups * shape.max_pages_per_seq;
  cudaError_t err = cudaSuccess;
  auto alloc = [&](auto** ptr, size_t bytes) {
    if (err == cudaSuccess) err = cudaMalloc(reinterpret_cast<void**>(ptr), bytes);
  };
  alloc(&ws->upper, pages * g * sizeof(float2));
  alloc(&ws->group_key, pages * sizeof(uint32_t));
  alloc(&ws->selected_mask, pages);
  alloc(&ws->part_acc, rows * ws->max_splits * shape.head_dim * sizeof(float));
  alloc(&ws->part_ml, rows * ws->max_splits * sizeof(float2));
  alloc(&ws->out_norm, rows * sizeof(float));
  alloc(&ws->budgets, groups * sizeof(int32_t));
  if (err != cudaSuccess) {
    destroy_workspace(ws);
    return cuda_status(err, "create_workspace: cudaMalloc");
  }
  *workspace = ws;
  return {};
}

void destroy_workspace(DecodeWorkspace* ws) {
  if (!ws) return;
  cudaFree(ws->upper);
  cudaFree(ws->group_key);
  cudaFree(ws->selected_mask);
  cudaFree(ws->part_acc);
  cudaFree(ws->part_ml);
  cudaFree(ws->out_norm);
  cudaFree(ws->budgets);
  delete ws;
}

Status decode_step(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                   const DecodeParams& params, DecodeWorkspace* ws, const DecodeOutputs& out, void* stream) {
  Status st = check_shape(shape);
  if (!st.ok) return st;
  if (!ws || ws->shape.batch != shape.batch || ws->shape.num_q_heads != shape.num_q_heads ||
      ws->shape.num_kv_heads != shape.num_kv_heads || ws->shape.head_dim != shape.head_dim ||
      ws->shape.max_pages_per_seq != shape.max_pages_per_seq || ws->shape.page_size != shape.page_size ||
      ws->max_selected < out.max_selected)
    return {false, "vashista_cuda: decode_step: workspace was created for another shape or max_selected"};
  if (!(params.eps > 0.0f) || !(params.scale > 0.0f) || params.page_budget < 1 || params.sink_pages < 0 ||
      params.recent_pages < 0 || params.sink_pages + params.recent_pages > out.max_selected)
    return {false, "vashista_cuda: decode_step: bad params (eps, scale > 0; budget >= 1; sink + recent <= max_selected)"};
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
  std::vector<int32_t> seq_len(shape.batch), nsel(groups);
  std::vector<float> tail(static_cast<size_t>(shape.batch) * shape.num_q_heads);
  const auto s = static_cast<cudaStream_t>(stream);
  VASHISTA_CUDA_TRY(cudaMemcpyAsync(seq_len.data(), cache.seq_len, seq_len.size() * sizeof(int32_t),
                                    cudaMemcpyDeviceToHost, s), "decode_step_adaptive: seq_len");
  DecodeParams at = params;
  at.page_budget_per_group = ws->budgets;
  int round = 0;
  while (true) {
    VASHISTA_CUDA_TRY(cudaMemcpyAsync(ws->budgets, budget.data(), budget.size() * sizeof(int32_t),
                                      cudaMemcpyHostToDevice, s), "decode_step_adaptive: budgets");
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
      float worst = 0.0f;
      for (int h = 0; h < g; ++h) worst = std::max(worst, tail[static_cast<size_t>(bk) * g + h]);
      if (worst > delta && nsel[bk] < num_pages && budget[bk] < out.max_selected) {
        budget[bk] = std::min(2 * budget[bk], out.max_selected);
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

Status append_tokens(const DecodeShape& shape, const DeviceKvCache& cache, const void* new_keys,
                     const void* new_values, void* stream) {
  Status st = check_shape(shape);
  if (!st.ok) return st;
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
