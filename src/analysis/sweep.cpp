#include "analysis/sweep.hpp"

#include "analysis/report_json.hpp"
#include "analysis/trace_run.hpp"
#include "core/error.hpp"
#include "core/statistics.hpp"
#include "report/atomic_file.hpp"
#include "report/text_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace vashista {

namespace {

/// Aggregates of one (stream, model) from its rows and per-query fits.
SweepStreamSummary summarize_sweep(const std::string& stream, Model model, const std::vector<QueryRecord>& rows,
                                   const std::vector<QueryFit>& fits) {
  SweepStreamSummary s;
  s.base = summarize(stream, model, rows);
  std::vector<double> ratio, h3, tightness;
  for (const QueryFit& f : fits) {
    if (f.stream != stream || f.model != model) continue;
    if (std::isfinite(f.kappa_over_delta)) {
      ratio.push_back(f.kappa_over_delta);
      ++s.fits;
    }
    if (std::isfinite(f.h3_relative_error)) {
      h3.push_back(f.h3_relative_error);
      ++s.h3_measured;
    }
  }
  for (const QueryRecord& r : rows) {
    if (r.model == model && r.bound_holds) tightness.push_back(r.log10_tail_bound - r.log10_tail_measured);
  }
  s.kappa_over_delta_p10 = quantile(ratio, 0.1);
  s.kappa_over_delta_p50 = quantile(ratio, 0.5);
  s.kappa_over_delta_p90 = quantile(ratio, 0.9);
  s.h3_relative_p50 = quantile(h3, 0.5);
  s.h3_relative_max = quantile(h3, 1.0);
  s.log10_tightness_p10 = quantile(tightness, 0.1);
  s.log10_tightness_p50 = quantile(tightness, 0.5);
  s.log10_tightness_p90 = quantile(tightness, 0.9);
  return s;
}

std::vector<KernelEpsSummary> summarize_kernel(const std::string& stream, const std::vector<QueryRecord>& rows) {
  std::map<double, std::vector<const QueryRecord*>> by_eps;
  for (const QueryRecord& r : rows) {
    if (r.model == Model::kernel) by_eps[r.eps].push_back(&r);
  }
  std::vector<KernelEpsSummary> out;
  for (const auto& [eps, list] : by_eps) {
    KernelEpsSummary k;
    k.stream = stream;
    k.eps = eps;
    std::vector<double> errors, bounds, measured;
    for (const QueryRecord* r : list) {
      ++k.queries;
      if (is_violation(*r)) ++k.unsound;
      if (r->output_within_bound.has_value() && !*r->output_within_bound) ++k.output_violations;
      errors.push_back(r->output_error);
      if (r->output_within_bound.has_value()) {  // +inf (an error against a zero allowance) counts, NaN does not
        const double share = r->output_error / (r->output_error_bound + r->output_rounding);
        if (!std::isnan(share)) k.output_share_max = std::isnan(k.output_share_max) ? share : std::max(k.output_share_max, share);
      }
      bounds.push_back(r->log10_tail_bound);
      measured.push_back(r->log10_tail_measured);
    }
    k.output_error_p50 = quantile(errors, 0.5);
    k.output_error_max = quantile(errors, 1.0);
    k.log10_tail_bound_p50 = quantile(bounds, 0.5);
    k.log10_tail_measured_p50 = quantile(measured, 0.5);
    out.push_back(k);
  }
  return out;
}

}  // namespace

SweepResult sweep_trace(const std::string& path, const SweepOptions& options) {
  VASHISTA_CHECK(std::isfinite(options.delta) && options.delta > 0 && options.delta < 1, ErrorKind::usage,
                 "--delta must lie in (0, 1), got {}", options.delta);
  VASHISTA_CHECK(options.eps.automatic || !options.eps.values.empty(), ErrorKind::usage, "--eps: no temperatures");
  TraceRunSettings settings;
  settings.path = path;
  settings.stream_patterns = options.stream_patterns;
  settings.plan.models = options.models;
  settings.plan.eps = options.eps.values;
  settings.plan.auto_eps = options.eps.automatic;
  settings.plan.auto_eps_count = options.eps.auto_count;
  settings.plan.delta = options.delta;
  settings.threads = options.threads;
  settings.per_query_csv = options.per_query_csv;
  settings.report_json = options.report_json;
  settings.certificates_h5 = options.certificates_h5;
  settings.progress_label = "sweep";
  settings.progress = options.progress;

  const std::unique_ptr<AtomicFile> json_file = open_run_report(settings);

  SweepResult result;
  TraceRunTotals totals = run_over_streams(settings, [&](const Stream& stream, const std::vector<QueryRecord>& rows) {
    std::map<std::pair<Index, Model>, std::vector<const QueryRecord*>> by_query;
    for (const QueryRecord& r : rows) {
      if (r.model != Model::kernel) by_query[{r.query, r.model}].push_back(&r);
    }
    std::vector<QueryFit> fits;
    for (const auto& [key, list] : by_query) fits.push_back(fit_query(list));
    for (Model model : {Model::softmax, Model::hull}) {
      SweepStreamSummary s = summarize_sweep(stream.name, model, rows, fits);
      if (s.base.rows > 0) result.summaries.push_back(std::move(s));
    }
    auto kernel = summarize_kernel(stream.name, rows);
    result.kernel.insert(result.kernel.end(), kernel.begin(), kernel.end());
    result.fits.insert(result.fits.end(), fits.begin(), fits.end());
  });
  result.violations = std::move(totals.violations);
  result.output_violations = totals.output_violations;
  result.rows = totals.rows;
  result.seconds = totals.seconds;
  if (json_file) {
    write_sweep_json(json_file->stream(), path, options, result);
    json_file->commit();
  }
  return result;
}

void print_sweep_summary(const SweepResult& result, const SweepOptions& options, std::ostream& out) {
  if (options.eps.automatic) {
    out << fmt::format("sweep: eps = auto ({} values per query), delta = {}\n\n", options.eps.auto_count, options.delta);
  } else {
    out << fmt::format("sweep: {} eps values from {} to {}, delta = {}\n\n", options.eps.values.size(),
                       options.eps.values.back(), options.eps.values.front(), options.delta);
  }
  TextTable table({"stream", "model", "queries", "rows", "violations", "kappa/Delta p10", "p50", "p90",
                   "H3 rel.err p50", "max", "log10 tightness p50", "eps* p50", "statuses"});
  for (const SweepStreamSummary& s : result.summaries) {
    table.add_row({s.base.stream, to_string(s.base.model), std::to_string(s.base.queries), std::to_string(s.base.rows),
                   std::to_string(s.base.violations), short_number(s.kappa_over_delta_p10), short_number(s.kappa_over_delta_p50),
                   short_number(s.kappa_over_delta_p90), short_number(s.h3_relative_p50), short_number(s.h3_relative_max),
                   short_number(s.log10_tightness_p50), short_number(s.base.eps_star_p50), status_counts(s.base)});
  }
  table.print(out);
  if (!result.kernel.empty()) {
    out << "\nkernel outputs against the dense double computation:\n";
    TextTable kt({"stream", "eps", "queries", "unsound", "output > bound", "output err p50", "output err max",
                  "err / allowed max", "log10 tail bound p50", "log10 tail measured p50"});
    for (const KernelEpsSummary& k : result.kernel) {
      kt.add_row({k.stream, short_number(k.eps, 4), std::to_string(k.queries), std::to_string(k.unsound),
                  std::to_string(k.output_violations), short_number(k.output_error_p50), short_number(k.output_error_max),
                  short_number(k.output_share_max), short_number(k.log10_tail_bound_p50), short_number(k.log10_tail_measured_p50)});
    }
    kt.print(out);
  }
  print_totals_and_violations(result.violations, result.output_violations, result.rows, result.seconds,
                              {{"per-query CSV", options.per_query_csv},
                               {"JSON report", options.report_json},
                               {"certificates", options.certificates_h5}},
                              out);
}

void write_sweep_json(std::ostream& out, const std::string& trace_path, const SweepOptions& options,
                      const SweepResult& result) {
  nlohmann::json summaries = nlohmann::json::array();
  for (const auto& s : result.summaries) {
    nlohmann::json j = to_json(s.base);
    j["kappa_over_delta"] = {{"p10", json_number(s.kappa_over_delta_p10)}, {"p50", json_number(s.kappa_over_delta_p50)},
                             {"p90", json_number(s.kappa_over_delta_p90)}, {"fits", s.fits}};
    j["h3_relative_error"] = {{"p50", json_number(s.h3_relative_p50)}, {"max", json_number(s.h3_relative_max)},
                              {"measured", s.h3_measured}};
    j["log10_tightness"] = {{"p10", json_number(s.log10_tightness_p10)}, {"p50", json_number(s.log10_tightness_p50)},
                            {"p90", json_number(s.log10_tightness_p90)}};
    summaries.push_back(j);
  }
  nlohmann::json kernel = nlohmann::json::array();
  for (const auto& k : result.kernel) {
    kernel.push_back({{"stream", k.stream}, {"eps", json_number(k.eps)}, {"queries", k.queries}, {"unsound", k.unsound},
                      {"output_violations", k.output_violations}, {"output_error_p50", json_number(k.output_error_p50)},
                      {"output_error_max", json_number(k.output_error_max)},
                      {"output_share_max", json_number(k.output_share_max)},
                      {"log10_tail_bound_p50", json_number(k.log10_tail_bound_p50)},
                      {"log10_tail_measured_p50", json_number(k.log10_tail_measured_p50)}});
  }
  nlohmann::json fits = nlohmann::json::array();
  for (const auto& f : result.fits) {
    fits.push_back({{"stream", f.stream}, {"query", f.query}, {"model", to_string(f.model)}, {"delta", json_number(f.delta)},
                    {"kappa", json_number(f.kappa)}, {"kappa_over_delta", json_number(f.kappa_over_delta)},
                    {"fit_points", f.fit_points}, {"h3_relative_error", json_number(f.h3_relative_error)},
                    {"h3_eps_hull", json_number(f.h3_eps_hull)}, {"min_log10_tightness", json_number(f.min_log10_tightness)}});
  }
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : result.violations) violations.push_back(to_json(v));
  nlohmann::json eps_spec = options.eps.automatic ? nlohmann::json{{"auto", options.eps.auto_count}}
                                                  : nlohmann::json(options.eps.values);
  nlohmann::json report = {
      {"command", "sweep"},
      {"trace", trace_path},
      {"options", {{"models", {{"softmax", options.models.softmax}, {"hull", options.models.hull}}},
                   {"eps", eps_spec}, {"delta", options.delta}, {"streams", options.stream_patterns}}},
      {"summaries", summaries},
      {"kernel", kernel},
      {"fits", fits},
      {"totals", {{"rows", result.rows}, {"violations", result.violations.size()},
                  {"output_violations", result.output_violations}, {"seconds", result.seconds}}},
      {"violations", violations},
      {"exit_code", result.exit_code()}};
  write_json(out, report);
}

}  // namespace vashista
