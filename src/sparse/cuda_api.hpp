#pragma once
// Plain C++ API of the CUDA kernel library `vashista_cuda` (src/cuda/): Vashista Sparse Attention,
// the same semantics as the CPU reference (sparse/sparse_attention.hpp, docs/kernel.md), for a batch
// of sequences with a paged bf16/fp16 KV cache, fp32 accumulation, GQA.
//
// No CUDA type appears here: device memory is passed as plain pointers, a CUDA stream as `void*`
// (a cudaStream_t; nullptr = the default stream). Calls return a Status (results are not exceptions);
// sparse/cuda_trace_kernel.hpp turns a failed Status into ErrorKind::device.
// This header may be included anywhere, but its functions exist only when vashista_cuda is built
// (cmake/Cuda.cmake; code that calls them is compiled under VASHISTA_WITH_CUDA).
//
// Device layouts (row-major, 0-based):
//   keys, values  [num_physical_pages][num_kv_heads][page_size][head_dim]   dtype (bf16 or fp16)
//   kmin, kmax    [num_physical_pages][num_kv_heads][head_dim]              dtype (exact min/max of the
//                                                                           stored keys: no rounding)
//   vmax_norm     [num_physical_pages][num_kv_heads]                        float (||v|| rounded up)
//   block_table   [batch][max_pages_per_seq] int32: physical page of logical page p of sequence b
//   seq_len       [batch] int32: tokens of sequence b; logical page p holds c_p = min(B, len - p*B) tokens
//   queries       [batch][num_q_heads][head_dim] float; query head h reads KV head h / (Hq / Hkv)
//   super_kmin, super_kmax [batch][num_kv_heads][max_super][head_dim] dtype, super_vmax [batch][num_kv_heads]
//                 [max_super] float (only when shape.pages_per_super = S > 0; max_super = ceil(max_pages / S)):
//                 super-page j of sequence b covers its logical pages [jS, (j+1)S); element-wise min/max of
//                 those pages' boxes and max of their vmax, kept up to date by append_tokens.
// A physical page may be shared by several sequences only while it is full in all of them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vashista::cuda {

enum class KvDtype : int { bf16 = 0, fp16 = 1 };

/// Largest GQA group (query heads per KV head) the kernels are instantiated for: g in {1, 2, 4, 8}.
constexpr int kMaxGroupSize = 8;

struct Status {
  bool ok = true;
  std::string message;  // one line naming the call and the CUDA error when !ok
};

struct DecodeShape {
  int batch = 1;
  int num_q_heads = 32;
  int num_kv_heads = 8;
  int head_dim = 128;             // 64 or 128 (keys and values alike)
  int page_size = 16;             // 16, 32 or 64
  int max_pages_per_seq = 0;      // row length of block_table
  int num_physical_pages = 0;     // pages in the pool
  KvDtype dtype = KvDtype::bf16;
  int pages_per_super = 0;        // S: pages per super-page (0 = no super-page metadata; else 2..4096)
};

/// ceil(max_pages_per_seq / pages_per_super) (0 without super-pages).
int max_superpages_per_seq(const DecodeShape& shape);

/// Checks the supported ranges (head_dim 64/128, page_size 16/32/64, g in {1,2,4,8}, sizes > 0).
Status check_shape(const DecodeShape& shape);

struct DeviceKvCache {
  void* keys = nullptr;
  void* values = nullptr;
  void* kmin = nullptr;
  void* kmax = nullptr;
  float* vmax_norm = nullptr;
  int32_t* block_table = nullptr;
  int32_t* seq_len = nullptr;
  void* super_kmin = nullptr;     // hierarchical routing metadata (shape.pages_per_super > 0)
  void* super_kmax = nullptr;
  float* super_vmax = nullptr;
};

struct DecodeParams {
  int page_budget = 64;     // P (forced pages included)
  int sink_pages = 1;
  int recent_pages = 1;
  float eps = 1.0f;         // softmax temperature
  float scale = 0.0f;       // tau (> 0)
  const int32_t* page_budget_per_group = nullptr;  // device [batch][num_kv_heads]; overrides page_budget
  bool hierarchical = false;  // two-level routing (docs/kernel.md "Hierarchical routing"); needs super-pages
  int refine_budget = 16;     // R: super-pages refined per group (forced super-pages included)
  const int32_t* refine_budget_per_group = nullptr;  // device [batch][num_kv_heads]; overrides refine_budget
};

/// Device outputs of a decode step. selected_pages rows are sorted, -1 padded to max_selected.
struct DecodeOutputs {
  float* output = nullptr;              // [batch][num_q_heads][head_dim]   o_S
  float* lse = nullptr;                 // [batch][num_q_heads]             lse_S
  float* log_tail_bound = nullptr;      // [batch][num_q_heads]             ln tail_bound (-inf: all selected)
  float* tail_bound = nullptr;          // [batch][num_q_heads]
  float* output_error_bound = nullptr;  // [batch][num_q_heads]
  int32_t* selected_pages = nullptr;    // [batch][num_kv_heads][max_selected]
  int32_t* num_selected = nullptr;      // [batch][num_kv_heads]
  int max_selected = 0;                 // >= every page budget used
};

/// Scratch memory of decode_step (opaque; sized for a shape and max_selected).
struct DecodeWorkspace;
Status create_workspace(const DecodeShape& shape, int max_selected, DecodeWorkspace** workspace);
void destroy_workspace(DecodeWorkspace* workspace);

/// Recomputes the metadata (kmin, kmax, vmax_norm) of `num_pages` physical pages: pages[i] holds
/// counts[i] valid tokens (both arrays on the device).
Status build_page_metadata(const DecodeShape& shape, const DeviceKvCache& cache, const int32_t* pages,
                           const int32_t* counts, int num_pages, void* stream);

/// Recomputes the super-page metadata of every sequence from the page metadata (shape.pages_per_super > 0).
Status build_superpage_metadata(const DecodeShape& shape, const DeviceKvCache& cache, void* stream);

/// Decode-time append: one token per (sequence, KV head) at position seq_len[b] (its physical page must
/// be in block_table already); updates that page's metadata (and its super-page's) in place, then seq_len[b] += 1.
/// new_keys / new_values: device [batch][num_kv_heads][head_dim] in the cache dtype.
Status append_tokens(const DecodeShape& shape, const DeviceKvCache& cache, const void* new_keys,
                     const void* new_values, void* stream);

/// One decode step for the batch: (a) routing U_{p,h} from metadata with a per-chunk top-P (many blocks
/// per group), (b) the final top-P per (sequence, KV head) with the tie rule and the certificate's sums,
/// (c) split attention over the selected pages, (d) combine with the certificate. In hierarchical mode
/// (a, b) run first on super-pages (top-R) and then on the pages of the refined super-pages.
/// Asynchronous on `stream`.
Status decode_step(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                   const DecodeParams& params, DecodeWorkspace* workspace, const DecodeOutputs& outputs,
                   void* stream);

/// Adaptive mode (docs/kernel.md): per group, while max_h tail_bound > delta and pages remain, double P
/// (and R in hierarchical mode) and recompute (the host reads the certificates back after every round; synchronises `stream`).
/// Budgets are capped at outputs.max_selected. rounds (may be nullptr) receives the number of steps run.
Status decode_step_adaptive(const DecodeShape& shape, const DeviceKvCache& cache, const float* queries,
                            const DecodeParams& params, float delta, DecodeWorkspace* workspace,
                            const DecodeOutputs& outputs, void* stream, int* rounds);

// ---------------------------------------------------------------------------------------------
// Host helpers for tests and benchmarks.

/// x rounded to the KV dtype (round to nearest even), as double.
double round_to_dtype(double x, KvDtype dtype);
/// Bit patterns of x[0..n) rounded to the KV dtype (what the device stores), e.g. for append_tokens.
void encode_to_dtype(const double* x, size_t n, KvDtype dtype, uint16_t* out);

/// One source token stream: num_tokens tokens for each KV head, row-major num_tokens x head_dim doubles
/// (values may be empty: zeros are stored).
struct HostKvSource {
  int num_tokens = 0;
  std::vector<const double*> keys;    // [num_kv_heads]
  std::vector<const double*> values;  // [num_kv_heads] or empty
};

/// A KV cache on the device owned by the host program (freed by free_device_batch).
struct DeviceBatch {
  DecodeShape shape;
  DeviceKvCache cache;
  std::vector<int32_t> seq_len;       // host copy
  std::vector<int32_t> block_table;   // host copy
  std::vector<void*> allocations;
};

/// Uploads a batch: sequence b is the first seq_len[b] tokens of sources[source_of_seq[b]] (values are
/// rounded to the dtype; callers that compare with the CPU reference round first). Full pages of one
/// source are shared between sequences; a partial last page is private. Metadata is built on device.
/// shape.max_pages_per_seq and num_physical_pages are filled in; extra_pages_per_seq reserves room to append.
/// With shape.pages_per_super > 0 the super-page metadata is allocated and built too.
Status upload_batch(DecodeShape shape, const std::vector<HostKvSource>& sources,
                    const std::vector<int>& source_of_seq, const std::vector<int>& seq_len,
                    int extra_pages_per_seq, DeviceBatch* batch);
void free_device_batch(DeviceBatch* batch);

/// Device memory helpers (so that host code needs no CUDA header).
Status device_alloc(void** ptr, size_t bytes);
Status device_free(void* ptr);
Status copy_to_device(void* dst, const void* src, size_t bytes);
Status copy_to_host(void* dst, const void* src, size_t bytes);
Status device_synchronize();
/// Name of the current device, e.g. "NVIDIA H100 80GB HBM3".
std::string device_name();

}  // namespace vashista::cuda
