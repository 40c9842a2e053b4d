#pragma once
// The loop shared by certify and sweep: open the trace, read one stream at a time (bounded memory),
// evaluate it, stream its rows to the per-query CSV, collect violations, and hand the rows to the
// command's own aggregation. The CSV is written atomically (committed only on success).
#include "analysis/certify.hpp"
#include "analysis/stream_evaluation.hpp"

#include <functional>
#include <string>
#include <vector>

namespace vashista {

struct TraceRunSettings {
  std::string path;
  std::vector<std::string> stream_patterns;
  EvaluationPlan plan;
  int threads = 0;  // core/thread_count.hpp: 0 = OpenMP's default (all cores, or OMP_NUM_THREADS)
  std::string per_query_csv;
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

}  // namespace vashista
