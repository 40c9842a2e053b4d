#pragma once
// The CUDA kernel run over one trace stream, with the same output as the CPU reference
// (sparse/trace_kernel.hpp) so that certify and sweep judge both alike. Implemented in
// cuda_trace_kernel.cpp when the CUDA kernel library is built (cmake/Cuda.cmake); otherwise
// cuda_kernel_built() is false and this function reports a device error.
#include "sparse/params.hpp"
#include "trace/trace.hpp"

#include <string>
#include <vector>

namespace vashista {

/// kv_dtype: "bfloat16" or "float16" (the KV cache storage on the GPU).
KernelOutputs run_sparse_cuda_on_stream(const Stream& stream, const SparseAttentionParams& params,
                                        const std::vector<double>& eps_list, const std::string& kv_dtype);

}  // namespace vashista
