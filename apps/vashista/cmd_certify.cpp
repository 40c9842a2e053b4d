// vashista certify TRACE.h5: parse options, call certify_trace, print the summary.
#include "analysis/certify.hpp"
#include "commands.hpp"

#include <iostream>
#include <memory>

namespace vashista::cli {

void setup_certify(CLI::App& app, RunFunction& run) {
  struct Options {
    std::string trace;
    std::string model = "both";
    CertifyOptions certify;
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
  sub->add_option("--delta", opts->certify.delta, "Target tail mass: 'safe' means certified bound <= delta")
      ->capture_default_str();
  sub->add_option("--streams", opts->certify.stream_patterns, "Only streams whose name matches these glob patterns");
  sub->add_option("--per-query", opts->certify.per_query_csv, "Write one CSV row per (stream, query, model) here");
  sub->add_option("--report", opts->certify.report_json, "Write the JSON report here");
  sub->add_option("--threads", opts->certify.threads, "Worker threads (0 = all cores; at most 1024)")->capture_default_str();
  sub->add_flag("--quiet", opts->quiet, "No progress lines on stderr");
  sub->footer("Exit codes: 0 all bounds hold, 1 a bound violation or unsound kernel certificate, 2 bad input.");
  sub->callback([&run, opts] {
    run = [opts] {
      opts->certify.models = parse_model_selection(opts->model);
      opts->certify.progress = !opts->quiet;
      const CertifyResult result = certify_trace(opts->trace, opts->certify);
      print_certify_summary(result, opts->certify, std::cout);
      return result.exit_code();
    };
  });
}

}  // namespace vashista::cli
