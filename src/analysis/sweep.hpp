#pragma once
// `vashista sweep`: per query and eps, the measured tail outside the face next to every applicable
// bound (S; H1 when eps_hull <= eps0, H2), tightness, the H3 face error, and the kernel's errors;
// per stream the fitted decay rate kappa/Delta, H3 agreement, tightness and eps* quantiles.
#include "analysis/certify.hpp"
#include "analysis/decay_fit.hpp"
#include "analysis/eps_spec.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace vashista {

struct SweepOptions {
  ModelSelection models;
  EpsSpec eps;                         // --eps SPEC
  double delta = 1e-3;
  std::vector<std::string> stream_patterns;
  int threads = 0;
  std::string per_query_csv;           // one row per (stream, query, model, eps)
  std::string report_json;
  std::string certificates_h5;           // --certificates FILE.h5: the hull projections' certificates
  std::string plot_dir;                // --plot DIR: figures by plots/plot_sweep.py (needs both outputs)
  bool progress = true;
};

/// Kernel rows of one stream at one temperature.
struct KernelEpsSummary {
  std::string stream;
  double eps = kNaN;
  Index queries = 0;
  Index unsound = 0;
  Index output_violations = 0;
  double output_error_p50 = kNaN, output_error_max = kNaN;
  /// Largest output_error / (output_error_bound + output_rounding): <= 1 when every output check holds.
  double output_share_max = kNaN;
  double log10_tail_bound_p50 = kNaN, log10_tail_measured_p50 = kNaN;
};

struct SweepStreamSummary {
  StreamSummary base;
  double kappa_over_delta_p10 = kNaN, kappa_over_delta_p50 = kNaN, kappa_over_delta_p90 = kNaN;
  Index fits = 0;
  double h3_relative_p50 = kNaN, h3_relative_max = kNaN;
  Index h3_measured = 0;
  double log10_tightness_p10 = kNaN, log10_tightness_p50 = kNaN, log10_tightness_p90 = kNaN;
};

struct SweepResult {
  std::vector<SweepStreamSummary> summaries;
  std::vector<KernelEpsSummary> kernel;
  std::vector<QueryFit> fits;
  std::vector<Violation> violations;
  Index output_violations = 0;
  Index rows = 0;
  double seconds = 0;
  int exit_code() const { return violations.empty() && output_violations == 0 ? 0 : 1; }
};

SweepResult sweep_trace(const std::string& path, const SweepOptions& options);

void print_sweep_summary(const SweepResult& result, const SweepOptions& options, std::ostream& out);

void write_sweep_json(std::ostream& out, const std::string& trace_path, const SweepOptions& options,
                      const SweepResult& result);

}  // namespace vashista
