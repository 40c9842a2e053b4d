#pragma once
// `vashista kernel TRACE.h5 --out OUT.h5`: run Vashista Sparse Attention over every stream of a
// trace (CPU reference or CUDA) at each eps, and write a copy of the trace with the `kernel/` groups
// of trace-format.md added. The input is never modified; the output is written atomically.
#include "sparse/params.hpp"

#include <string>
#include <vector>

namespace vashista {

enum class KernelDevice { cpu, cuda };

/// Parses "cpu" or "cuda"; Error(usage) otherwise.
KernelDevice parse_kernel_device(const std::string& text);

struct KernelRunOptions {
  KernelDevice device = KernelDevice::cpu;
  SparseAttentionParams params;           // page size, budget, forced pages, delta (adaptive)
  std::vector<double> eps = {1.0};        // one kernel entry per eps
  std::string cuda_dtype = "bfloat16";    // KV cache dtype on the GPU: bfloat16 or float16
  std::vector<std::string> stream_patterns;
  int threads = 0;  // --threads (core/thread_count.hpp: 0 = OpenMP's default, all cores or OMP_NUM_THREADS)
  bool progress = true;
};

struct KernelRunSummary {
  Index streams = 0;
  Index queries = 0;
  double max_tail_bound = 0;
  double mean_candidates = 0;
  std::string device_name;
  double seconds = 0;
  /// Streams whose keys or values the CUDA kernel's cache dtype could not hold exactly (it attended to their
  /// rounded values; certify allows for that rounding: docs/kernel.md).
  std::vector<std::string> rounded_streams;
};

/// Checks the options, each error (Error(usage)) naming its command-line flag (--pages, --refine, ...).
void validate_kernel_options(const KernelRunOptions& options);

/// Checks the options and the output (not the input, a file can be created there: report/output_paths.hpp)
/// before any work, then runs the kernel on every selected stream and writes `output`.
KernelRunSummary run_kernel_on_trace(const std::string& input, const std::string& output, const KernelRunOptions& options);

/// True when this build has the CUDA kernel library (decided by cmake/Cuda.cmake).
bool cuda_kernel_built();

}  // namespace vashista
