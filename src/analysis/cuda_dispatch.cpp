// The one translation unit that knows whether the CUDA kernel library was built
// (VASHISTA_WITH_CUDA is set by src/CMakeLists.txt exactly when cmake/Cuda.cmake built vashista_cuda).
#include "analysis/cuda_trace_kernel.hpp"
#include "analysis/kernel_run.hpp"
#include "core/error.hpp"

#ifdef VASHISTA_WITH_CUDA
#include "sparse/cuda_trace_kernel.hpp"
#endif

namespace vashista {

bool cuda_kernel_built() {
#ifdef VASHISTA_WITH_CUDA
  return true;
#else
  return false;
#endif
}

KernelOutputs run_sparse_cuda_on_stream(const Stream& stream, const SparseAttentionParams& params,
                                        const std::vector<double>& eps_list, const std::string& kv_dtype) {
#ifdef VASHISTA_WITH_CUDA
  VASHISTA_CHECK(kv_dtype == "bfloat16" || kv_dtype == "float16", ErrorKind::usage,
                 "--kv-dtype: '{}' is not one of bfloat16, float16", kv_dtype);
  return run_sparse_cuda(stream, params, eps_list, kv_dtype == "bfloat16" ? cuda::KvDtype::bf16 : cuda::KvDtype::fp16);
#else
  (void)stream, (void)params, (void)eps_list, (void)kv_dtype;
  VASHISTA_FAIL(ErrorKind::device, "--device cuda: this build has no CUDA kernel (configure with -DVASHISTA_CUDA=ON)");
#endif
}

}  // namespace vashista
