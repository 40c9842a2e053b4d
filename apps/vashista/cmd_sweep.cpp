// vashista sweep TRACE.h5 --eps SPEC: parse options, call sweep_trace, print, optionally plot.
#include "analysis/sweep.hpp"
#include "commands.hpp"
#include "report/plot_script.hpp"

#include <iostream>
#include <memory>

namespace vashista::cli {

void setup_sweep(CLI::App& app, RunFunction& run) {
  struct Options {
    std::string trace;
    std::string model = "both";
    std::string eps = "auto";
    SweepOptions sweep;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Sweep the temperature eps: measured tail vs the exp(-Delta/eps) bounds, H3 face error, kernel errors");
  sub->add_option("trace", opts->trace, "Trace file (HDF5, format v1)")->required();
  sub->add_option("--eps", opts->eps,
                  "Temperatures: a list 0.01,0.1,1, a log range lo:hi:count (inclusive), or auto[:count] "
                  "(per query, count log-spaced values, default 30, from min(eps0*scale/10, Delta_softmax/60) to "
                  "max(1, 2*eps0*scale), eps0 the Theorem H1 threshold)")
      ->capture_default_str();
  sub->add_option("--model", opts->model, "Model(s): softmax, hull or both")
      ->check(CLI::IsMember({"softmax", "hull", "both"}))
      ->capture_default_str();
  sub->add_option("--delta", opts->sweep.delta, "Target tail mass for eps*(delta) and 'safe', in (0, 1)")->capture_default_str();
  add_streams_option(sub, opts->sweep.stream_patterns);
  sub->add_option("--per-query", opts->sweep.per_query_csv, "CSV: one row per (stream, query, model, eps)");
  sub->add_option("--report", opts->sweep.report_json, "Write the JSON report here");
  sub->add_option("--certificates", opts->sweep.certificates_h5,
                  "Write every hull projection's certificate here (HDF5: face, weights, multipliers with error bars, "
                  "Delta interval; docs/certificates.md), checkable without vashista by "
                  "experiments/certificates/verify_certificates.py");
  sub->add_option("--plot", opts->sweep.plot_dir,
                  "Write PNG figures into this directory (plots/plot_sweep.py; python3-matplotlib)");
  add_threads_option(sub, opts->sweep.threads);
  sub->add_flag("--quiet", opts->quiet, "No progress lines on stderr");
  sub->footer(exit_codes_footer("0 all bounds and certificates hold, 1 a bound violation or unsound kernel certificate"));
  sub->callback([&run, opts] {
    run = [opts] {
      SweepOptions& o = opts->sweep;
      o.models = parse_model_selection(opts->model);
      o.eps = parse_eps_spec(opts->eps);
      o.progress = !opts->quiet;
      CreatedDirectories created;  // --plot DIR made by this run: removed again (when empty) if the run fails
      if (!o.plot_dir.empty()) prepare_plot_outputs(o.plot_dir, "--plot", "sweep", o.per_query_csv, o.report_json, created);
      const SweepResult result = sweep_trace(opts->trace, o);
      print_sweep_summary(result, o, std::cout);
      if (!o.plot_dir.empty()) draw_figures("plot_sweep.py", {o.per_query_csv, o.report_json, o.plot_dir}, o.plot_dir);
      created.keep();
      return result.exit_code();
    };
  });
}

}  // namespace vashista::cli
