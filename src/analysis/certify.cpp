#include "analysis/certify.hpp"

#include "analysis/report_json.hpp"
#include "analysis/trace_run.hpp"
#include "core/error.hpp"
#include "core/printable.hpp"
#include "report/atomic_file.hpp"
#include "report/text_table.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>

namespace vashista {

namespace {

void check_options(const CertifyOptions& o) {
  VASHISTA_CHECK(std::isfinite(o.eps) && o.eps > 0, ErrorKind::usage, "--eps must be a positive number, got {}", o.eps);
  VASHISTA_CHECK(std::isfinite(o.delta) && o.delta > 0 && o.delta < 1, ErrorKind::usage,
                 "--delta must lie in (0, 1), got {}", o.delta);
}

}  // namespace

CertifyResult certify_trace(const std::string& path, const CertifyOptions& options) {
  check_options(options);
  TraceRunSettings settings;
  settings.path = path;
  settings.stream_patterns = options.stream_patterns;
  settings.plan.models = options.models;
  settings.plan.eps = {options.eps};
  settings.plan.delta = options.delta;
  settings.threads = options.threads;
  settings.per_query_csv = options.per_query_csv;
  settings.report_json = options.report_json;
  settings.certificates_h5 = options.certificates_h5;
  settings.progress_label = "certify";
  settings.progress = options.progress;

  const std::unique_ptr<AtomicFile> json_file = open_run_report(settings);

  CertifyResult result;
  TraceRunTotals totals = run_over_streams(settings, [&](const Stream& stream, const std::vector<QueryRecord>& rows) {
    for (Model model : {Model::softmax, Model::hull, Model::kernel}) {
      StreamSummary s = summarize(stream.name, model, rows);
      if (s.rows > 0) result.summaries.push_back(std::move(s));
    }
  });
  result.violations = std::move(totals.violations);
  result.output_violations = totals.output_violations;
  result.rows = totals.rows;
  result.seconds = totals.seconds;
  if (json_file) {
    write_certify_json(json_file->stream(), path, options, result);
    json_file->commit();
  }
  return result;
}

std::string short_number(double v, int digits) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}g}", v, digits);
}

std::string status_counts(const StreamSummary& s) {
  std::string text;
  for (const auto& [status, count] : s.statuses) {
    if (!text.empty()) text += ' ';
    text += fmt::format("{}={}", status, count);
  }
  return text;
}

void print_totals_and_violations(const std::vector<Violation>& violations, Index output_violations, Index rows,
                                 double seconds, const OutputList& outputs, std::ostream& out) {
  out << fmt::format("\n{} rows in {:.1f} s; {} bound violations / unsound certificates, {} kernel output-bound "
                     "violations\n",
                     rows, seconds, violations.size(), output_violations);
  constexpr size_t kViolationsShown = 20;
  for (size_t i = 0; i < violations.size() && i < kViolationsShown; ++i) {
    const Violation& v = violations[i];
    out << fmt::format("  VIOLATION stream={} query={} model={} eps={} bound={} log10 measured={} > log10 bound={}: {}\n",
                       printable(v.stream), v.query, to_string(v.model), v.eps, v.bound, v.log10_measured, v.log10_bound,
                       printable(v.note));
  }
  std::string written, listing;  // listing: the outputs that list every violation
  for (const auto& [what, path] : outputs) {
    if (path.empty()) continue;
    written += fmt::format("{}{} {}", written.empty() ? "written: " : ", ", what, path);
    if (what != "certificates") listing += fmt::format("{}{}", listing.empty() ? "" : " and the ", what);
  }
  if (violations.size() > kViolationsShown) {
    out << fmt::format("  ... {} more {}\n", violations.size() - kViolationsShown,
                       listing.empty() ? "(--per-query FILE.csv or --report FILE.json lists them all)"
                                       : "in the " + listing);
  }
  if (!written.empty()) out << written << "\n";
  out << (violations.empty() && output_violations == 0 ? "verdict: all bounds and certificates hold\n"
                                                       : "verdict: VIOLATIONS FOUND (exit 1)\n");
}

void print_certify_summary(const CertifyResult& result, const CertifyOptions& options, std::ostream& out) {
  out << fmt::format("certify: eps = {} (softmax temperature), delta = {}\n\n", options.eps, options.delta);
  TextTable table({"stream", "model", "queries", "delta p10", "delta p50", "delta p90", "face p50", "face max",
                   "k_eff p50", "safe", "violations", "statuses"});
  for (const StreamSummary& s : result.summaries) {
    const std::string safe = fmt::format("{:.1f}%", s.rows ? 100.0 * static_cast<double>(s.safe) / static_cast<double>(s.rows) : 0.0);
    table.add_row({s.stream, to_string(s.model), std::to_string(s.queries), short_number(s.delta_p10, 3), short_number(s.delta_p50, 3),
                   short_number(s.delta_p90, 3), short_number(s.face_p50, 3), short_number(s.face_max, 3), short_number(s.k_eff_p50, 3), safe,
                   std::to_string(s.violations + s.output_violations), status_counts(s)});
  }
  table.print(out);
  print_totals_and_violations(result.violations, result.output_violations, result.rows, result.seconds,
                              {{"per-query CSV", options.per_query_csv},
                               {"JSON report", options.report_json},
                               {"certificates", options.certificates_h5}},
                              out);
}

}  // namespace vashista
