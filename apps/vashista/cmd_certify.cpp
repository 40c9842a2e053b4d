// vashista certify TRACE.h5: parse options, call certify_trace, print the summary, optionally plot.
#include "analysis/certify.hpp"
#include "commands.hpp"
#include "report/plot_script.hpp"

#include <iostream>
#include <memory>

namespace vashista::cli {

void setup_certify(CLI::App& app, RunFunction& run) {
  struct Options {
    std::string trace;
    std::string model = "both";
    CertifyOptions certify;
    std::string plot_dir;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "certify", "Per query, layer and head of a trace: is sparse decoding certified safe, and do all bounds hold?");
  sub->add_option("trace", opts->trace, "Trace file (HDF5, format v1; see docs/trace-format.md)")->required();
  sub->add_option("--model", opts->model, "Model(s) to certify: softmax, hull or both")
      ->check(CLI::IsMember({"softmax", "hull", "both"}))
      ->capture_default_str();
  sub->add_option("--eps", opts->certify.eps, "Softmax temperature (1 = deployed attention); hull uses eps/scale")
      ->capture_default_str();
  sub->add_option("--delta", opts->certify.delta, "Target tail mass, in (0, 1): 'safe' means certified bound <= delta")
      ->capture_default_str();
  add_streams_option(sub, opts->certify.stream_patterns);
  sub->add_option("--per-query", opts->certify.per_query_csv, "Write one CSV row per (stream, query, model) here");
  sub->add_option("--report", opts->certify.report_json, "Write the JSON report here");
  sub->add_option("--certificates", opts->certify.certificates_h5,
                  "Write every hull projection's certificate here (HDF5: face, weights, multipliers with error bars, "
                  "Delta interval; docs/certificates.md), checkable without vashista by "
                  "experiments/certificates/verify_certificates.py");
  sub->add_option("--plot", opts->plot_dir,
                  "Write PNG figures and summary.md into this directory (plots/plot_certify.py; python3-matplotlib); "
                  "the CSV and JSON go there too unless named");
  add_threads_option(sub, opts->certify.threads);
  sub->add_flag("--quiet", opts->quiet, "No progress lines on stderr");
  sub->footer(exit_codes_footer("0 all bounds and certificates hold, 1 a bound violation or unsound kernel certificate"));
  sub->callback([&run, opts] {
    run = [opts] {
      opts->certify.models = parse_model_selection(opts->model);
      CertifyOptions& o = opts->certify;
      o.progress = !opts->quiet;
      const std::string& plot_dir = opts->plot_dir;
      CreatedDirectories created;  // --plot DIR made by this run: removed again (when empty) if the run fails
      if (!plot_dir.empty()) prepare_plot_outputs(plot_dir, "--plot", "certify", o.per_query_csv, o.report_json, created);
      const CertifyResult result = certify_trace(opts->trace, o);
      print_certify_summary(result, o, std::cout);
      if (!plot_dir.empty()) draw_figures("plot_certify.py", {"--no-table", plot_dir, o.per_query_csv}, plot_dir);
      created.keep();
      return result.exit_code();
    };
  });
}

}  // namespace vashista::cli
