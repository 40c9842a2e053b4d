#pragma once
// Shared pieces of the Vashista Sparse Attention CUDA kernels: named constants, dtype traits,
// 16-byte vector loads, the order-preserving float key, CUDA error checks. Only .cu files include this.
#include "sparse/cuda_api.hpp"
#include "sparse/cuda_layout.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

namespace vashista::cuda {

/// fp32 unit roundoff u = 2^-24. Every fp32 sum below carries an explicit bound in units of u.
constexpr float kUnitRoundoff = 5.9604644775390625e-08f;
/// Threads of the chunk routing kernel: one block routes `chunk` units (pages or super-pages) of one group and
/// keeps its local top-K candidates; chunk is a power of two in [kMinChunk, max_chunk(G)] chosen per launch.
constexpr int kRouteThreads = 256;
constexpr int kMinChunk = 128;
/// Blocks the chunk size aims at (at least this many routing blocks when the units allow it).
constexpr int kTargetRouteBlocks = 512;
__host__ __device__ constexpr int max_chunk(int g) { return g >= 8 ? 512 : 1024; }
/// Threads of the final selection kernel (one block per (sequence, KV head)).
constexpr int kFinalThreads = 1024;
// kVec, kAttentionThreads, kTokensPerSplit: sparse/cuda_layout.hpp.
/// ||v|| is computed in fp32 and multiplied by this factor (> 1 + (d + 2) u for d <= 8192) so that the
/// stored vmax_norm is an upper bound of the exact norm.
constexpr float kNormRoundUp = 1.0f + 1.0f / 1024.0f;
/// Output error bound rounding-up factor (covers the fp32 product and sum of three terms).
constexpr float kErrorBoundRoundUp = 1.0f + 1.0f / 4096.0f;

__host__ __device__ inline int pages_per_split(int page_size) { return pages_per_split_for(page_size); }

template <typename T> struct DtypeTraits;
template <> struct DtypeTraits<__nv_bfloat16> {
  static __device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
};
template <> struct DtypeTraits<__half> {
  static __device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
};

/// Loads kVec = 8 consecutive elements (one 16-byte access) and converts them to float.
template <typename T>
__device__ __forceinline__ void load8(const T* src, float (&dst)[kVec]) {
  const uint4 raw = *reinterpret_cast<const uint4*>(src);
  const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
  for (int i = 0; i < kVec; ++i) dst[i] = DtypeTraits<T>::to_float(e[i]);
}

/// Order-preserving map float -> uint32 (a < b  <=>  key(a) < key(b) for non-NaN floats). Key 0 is
/// below every float key (key(-inf) = 0x007FFFFF): the selection kernel uses 0 for excluded pages.
__device__ __forceinline__ uint32_t float_key(float x) {
  const uint32_t bits = __float_as_uint(x);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

inline Status cuda_status(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return {};
  return {false, std::string("vashista_cuda: ") + what + ": " + cudaGetErrorString(err)};
}

#define VASHISTA_CUDA_TRY(call, what)                                    \
  do {                                                                  \
    const ::vashista::cuda::Status _st = ::vashista::cuda::cuda_status((call), (what)); \
    if (!_st.ok) return _st;                                            \
  } while (false)

}  // namespace vashista::cuda
