#include "analysis/kernel_run.hpp"

#include "analysis/cuda_trace_kernel.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/thread_count.hpp"
#include "report/output_paths.hpp"
#include "sparse/trace_kernel.hpp"
#include "trace/storage_dtype.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_writer.hpp"

#include <chrono>
#include <cmath>
#include <map>

namespace vashista {

KernelDevice parse_kernel_device(const std::string& text) {
  if (text == "cpu") return KernelDevice::cpu;
  if (text == "cuda") return KernelDevice::cuda;
  VASHISTA_FAIL(ErrorKind::usage, "--device: '{}' is not one of cpu, cuda", text);
}

void validate_kernel_options(const KernelRunOptions& options) {
  VASHISTA_CHECK(!options.eps.empty(), ErrorKind::usage, "--eps: no temperatures");
  for (double e : options.eps) {
    VASHISTA_CHECK(std::isfinite(e) && e > 0, ErrorKind::usage, "--eps: {} is not a positive temperature", e);
  }
  validate(options.params);  // its messages name the kernel command's options
}

KernelRunSummary run_kernel_on_trace(const std::string& input, const std::string& output,
                                     const KernelRunOptions& options) {
  validate_kernel_options(options);
  // Before any work (docs/cli.md, "Output files"): --out is not the input, and a file can be created there.
  check_output_paths({{"the input trace", input}}, {{"--out", output}});
  check_output_file({"--out", output}, true);
  VASHISTA_CHECK(options.device == KernelDevice::cpu || cuda_kernel_built(), ErrorKind::device,
                 "--device cuda: this build has no CUDA kernel (configure with -DVASHISTA_CUDA=ON where nvcc exists)");
  const ThreadCount threads(options.threads);
  const auto start = std::chrono::steady_clock::now();
  TraceFile file = open_trace(input);
  const auto names = list_streams(file, options.stream_patterns);

  long long total = 0;
  for (const auto& name : names) total += stream_query_count(file, name);
  Progress progress("kernel", total, options.progress);

  KernelRunSummary summary;
  summary.device_name = options.device == KernelDevice::cpu ? "cpu-reference" : "";
  double candidate_sum = 0;
  std::map<std::string, KernelOutputs> outputs;
  for (const auto& name : names) {
    const Stream stream = read_stream(file, name);
    KernelOutputs k = options.device == KernelDevice::cpu
                          ? run_sparse_reference(stream, options.params, options.eps)
                          : run_sparse_cuda_on_stream(stream, options.params, options.eps, options.cuda_dtype);
    summary.device_name = k.device;
    if (options.device == KernelDevice::cuda) {
      if (!stream.representable_in(parse_storage_dtype(options.cuda_dtype))) summary.rounded_streams.push_back(name);
    }
    for (size_t e = 0; e < k.eps.size(); ++e) {
      for (Index j = 0; j < stream.num_queries(); ++j) {
        summary.max_tail_bound = std::max(summary.max_tail_bound, k.tail_bound(static_cast<Index>(e), j));
        const Index visible = stream.visible_keys(j);
        Index candidates = 0;
        for (int32_t page : k.selected_pages[e][static_cast<size_t>(j)]) {
          candidates += std::min<Index>(k.page_size, visible - static_cast<Index>(page) * k.page_size);
        }
        candidate_sum += static_cast<double>(candidates);
      }
    }
    summary.queries += stream.num_queries();
    ++summary.streams;
    outputs.emplace(name, std::move(k));
    progress.advance(stream.num_queries(), name);
  }
  progress.finish();
  copy_trace_with_kernel(input, output, outputs);
  summary.mean_candidates = candidate_sum / std::max<double>(1.0, static_cast<double>(summary.queries * static_cast<Index>(options.eps.size())));
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace vashista
