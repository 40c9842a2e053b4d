// vashista kernel TRACE.h5 --out OUT.h5: run Vashista Sparse Attention and store its outputs.
#include "analysis/eps_spec.hpp"
#include "analysis/kernel_run.hpp"
#include "commands.hpp"
#include "core/printable.hpp"

#include <fmt/core.h>

#include <memory>

namespace vashista::cli {

void setup_kernel(CLI::App& app, RunFunction& run) {
  struct Options {
    std::string trace, out, device = "cpu";
    std::string eps = "1";
    KernelRunOptions run;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "kernel", "Run the sparse kernel (CPU reference or CUDA) on a trace and write a copy with its kernel/ outputs");
  sub->add_option("trace", opts->trace, "Input trace (never modified)")->required();
  sub->add_option("--out", opts->out, "Output trace: a copy of the input with /streams/*/kernel added")->required();
  sub->add_option("--device", opts->device, "cpu (double-precision reference) or cuda (bf16/fp16 KV cache, fp32)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  sub->add_option("--eps", opts->eps,
                  "Softmax temperatures > 0, comma-separated, one kernel entry each in this order (e.g. --eps 0.25,0.5,1)")
      ->capture_default_str();
  sub->add_option("--page-size", opts->run.params.page_size, "Tokens per KV-cache page B")->capture_default_str();
  sub->add_option("--pages", opts->run.params.page_budget,
                  "Page budget P per GQA group, forced pages included: the sink and recent pages are always selected, "
                  "even beyond P (when P <= their number, only they are)")
      ->capture_default_str();
  sub->add_option("--sink-pages", opts->run.params.sink_pages, "First pages always selected")->capture_default_str();
  sub->add_option("--recent-pages", opts->run.params.recent_pages, "Last pages always selected")->capture_default_str();
  sub->add_option("--delta", opts->run.params.delta,
                  "Adaptive mode, in [0, 1): double P until the certificate tail_bound <= delta (0 = fixed budget)")
      ->capture_default_str();
  sub->add_option("--superpage-size", opts->run.params.superpage_size,
                  "Hierarchical routing: pages per super-page (0 = flat routing over every page)")
      ->capture_default_str();
  sub->add_option("--refine", opts->run.params.superpage_refine,
                  "Hierarchical routing: super-pages refined per group (forced ones included)")
      ->capture_default_str();
  sub->add_option("--kv-dtype", opts->run.cuda_dtype, "CUDA KV cache dtype: bfloat16 or float16")
      ->check(CLI::IsMember({"bfloat16", "float16"}))
      ->capture_default_str();
  add_streams_option(sub, opts->run.stream_patterns);
  add_threads_option(sub, opts->run.threads);
  sub->footer(exit_codes_footer("0 written (certify then checks the kernel's certificates)"));
  sub->add_flag("--quiet", opts->quiet, "No progress lines on stderr");
  sub->callback([&run, opts] {
    run = [opts] {
      opts->run.eps = parse_eps_list(opts->eps);
      opts->run.device = parse_kernel_device(opts->device);
      opts->run.progress = !opts->quiet;
      const KernelRunSummary s = run_kernel_on_trace(opts->trace, opts->out, opts->run);
      fmt::print("kernel: {} streams, {} queries x {} eps on {}; mean candidates {:.1f} tokens, max tail_bound {:.3g}; "
                 "{:.2f} s; wrote {}\n",
                 s.streams, s.queries, opts->run.eps.size(), s.device_name, s.mean_candidates, s.max_tail_bound,
                 s.seconds, opts->out);
      if (!s.rounded_streams.empty()) {
        fmt::print("note: the keys or values of {} stream(s) (first: {}) are not exactly representable in {}: the CUDA "
                   "kernel attended to their rounded values, its certificates are for those, and certify allows for the "
                   "rounding (docs/kernel.md)\n",
                   s.rounded_streams.size(), vashista::printable(s.rounded_streams.front()), opts->run.cuda_dtype);
      }
      return 0;
    };
  });
}

}  // namespace vashista::cli
