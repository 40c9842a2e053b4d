#include "analysis/trace_run.hpp"

#include "analysis/hull_check.hpp"
#include "analysis/record_writer.hpp"
#include "core/error.hpp"
#include "core/thread_count.hpp"
#include "report/atomic_file.hpp"
#include "report/output_paths.hpp"
#include "trace/trace_reader.hpp"

#include <chrono>
#include <memory>
#include <optional>

namespace vashista {

std::unique_ptr<AtomicFile> open_run_report(const TraceRunSettings& settings) {
  check_output_paths({{"the input trace", settings.path}}, {{"--per-query", settings.per_query_csv},
                                                           {"--report", settings.report_json},
                                                           {"--certificates", settings.certificates_h5}});
  VASHISTA_CHECK(settings.certificates_h5.empty() || settings.plan.models.hull, ErrorKind::usage,
                 "--certificates {}: the certificates are those of the hull model's projections, and --model excludes "
                 "it",
                 settings.certificates_h5);
  if (settings.report_json.empty()) return nullptr;
  return std::make_unique<AtomicFile>(settings.report_json);
}

TraceRunTotals run_over_streams(const TraceRunSettings& settings, const StreamRowsHandler& handle_rows) {
  const ThreadCount threads(settings.threads);
  const auto start = std::chrono::steady_clock::now();
  TraceFile file = open_trace(settings.path);
  const std::vector<std::string> names = list_streams(file, settings.stream_patterns);

  // Opened before the work so that an unwritable path fails fast; committed only on success.
  std::optional<AtomicFile> csv_file;
  std::unique_ptr<RecordCsvWriter> csv;
  if (!settings.per_query_csv.empty()) {
    csv_file.emplace(settings.per_query_csv);
    csv = std::make_unique<RecordCsvWriter>(csv_file->stream());
  }

  std::unique_ptr<CertificateFile> certificates;
  if (!settings.certificates_h5.empty()) {
    certificates = std::make_unique<CertificateFile>(settings.certificates_h5, settings.path, settings.progress_label);
  }

  long long total_queries = 0;
  for (const auto& name : names) total_queries += stream_query_count(file, name);
  Progress progress(settings.progress_label, total_queries, settings.progress);

  TraceRunTotals totals;
  for (const auto& name : names) {
    const Stream stream = read_stream(file, name);
    std::vector<HullProjection> projections;
    std::vector<QueryRecord> rows;
    // The solvers' errors (e.g. a key norm beyond what the certificate handles) name the query, not the
    // trace: the file and the stream are added here.
    try {
      rows = evaluate_stream(stream, settings.plan, threads.count(), &progress, certificates ? &projections : nullptr);
    } catch (const Error& e) {
      throw Error(e.kind(), fmt::format("{}: /streams/{}: {}", settings.path, name, e.what()));
    }
    if (certificates) certificates->add(stream_certificates(stream, projections));
    for (const QueryRecord& r : rows) {
      if (csv) csv->write(r);
      if (is_violation(r)) {
        totals.violations.push_back({r.stream, r.query, r.model, r.eps, r.bound, r.log10_tail_measured,
                                     r.log10_tail_bound, r.note});
      }
      if (r.output_within_bound.has_value() && !*r.output_within_bound) ++totals.output_violations;
    }
    totals.rows += static_cast<Index>(rows.size());
    handle_rows(stream, rows);
  }
  progress.finish();
  if (csv_file) csv_file->commit();
  if (certificates) certificates->commit();
  totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return totals;
}

}  // namespace vashista
