#pragma once
// Work layout of the CUDA kernel's attention step (src/cuda/sparse_attention.cu, attention_kernel and
// combine_kernel), in plain C++: the kernel's constants, shared with the check that models its rounding
// (analysis/kernel_check.cpp), so that the two cannot drift apart.
#ifdef __CUDACC__
#define VASHISTA_HOST_DEVICE __host__ __device__
#else
#define VASHISTA_HOST_DEVICE
#endif

namespace vashista::cuda {

/// Elements per 16-byte vector load of a 2-byte dtype: every lane handles kVec consecutive dimensions.
constexpr int kVec = 8;
/// Threads of the attention kernel (one block per (split, sequence, KV head)).
constexpr int kAttentionThreads = 128;
/// Tokens attended by one split (flash-decoding); pages per split = max(1, kTokensPerSplit / B).
constexpr int kTokensPerSplit = 64;

/// Pages of one split for page size B.
VASHISTA_HOST_DEVICE constexpr int pages_per_split_for(int page_size) {
  return page_size >= kTokensPerSplit ? 1 : kTokensPerSplit / page_size;
}

}  // namespace vashista::cuda
