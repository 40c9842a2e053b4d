#pragma once
// The loop shared by certify and sweep: open the trace, read one stream at a time (bounded memory),
// evaluate it, stream its rows to the per-query CSV, collect violations, and hand the rows to the
// command's own aggregation. The CSV is written atomically (committed only on success).
#include "analysis/certify.hpp"
#include "analysis/stream_evaluation.hpp"
#include "report/atomic_file.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vashista {

struct TraceRunSettings {
  std::string path;
  std::vector<std::string> stream_patterns;
  EvaluationPlan plan;
  int threads = 0;  // core/thread_count.hpp: 0 = OpenMP's default (all cores, or OMP_NUM_THREADS)
  std::string per_query_csv;
  std::string report_json;  // written by the caller after the run, through open_run_report
  std::string certificates_h5;  // --certificates: the hull projections' certificates (needs the hull model)
  std::string progress_label;
  bool progress = true;
};

struct TraceRunTotals {
  std::vector<Violation> violations;
  Index output_violations = 0;
  Index rows = 0;
  double seconds = 0;
};

using StreamRowsHandler = std::function<void(const Stream&, const std::vector<QueryRecord>&)>;

TraceRunTotals run_over_streams(const TraceRunSettings& settings, const StreamRowsHandler& handle_rows);

/// Call before run_over_streams: checks that no output (--per-query, --report, --certificates) names the trace
/// or another one (report/output_paths.hpp, Error(usage)), then opens the JSON report so that an unwritable path
/// fails before the work; nothing is replaced until the caller commits it. Null without --report.
std::unique_ptr<AtomicFile> open_run_report(const TraceRunSettings& settings);

}  // namespace vashista
