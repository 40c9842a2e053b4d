#pragma once
// Per-(stream, model) aggregates of report rows, for the terminal table and the JSON report.
#include "analysis/query_record.hpp"

#include <map>
#include <string>
#include <vector>

namespace vashista {

struct StreamSummary {
  std::string stream;
  Model model = Model::softmax;
  Index rows = 0;
  Index queries = 0;
  double delta_p10 = kNaN, delta_p50 = kNaN, delta_p90 = kNaN;  // over rows with a gap
  double face_p50 = kNaN, face_max = kNaN;
  double k_eff_p50 = kNaN, k_eff_p90 = kNaN;
  double eps_star_p10 = kNaN, eps_star_p50 = kNaN;
  Index compared = 0;        // rows whose bound was compared with the measurement
  Index safe = 0;            // rows with bound <= delta
  Index violations = 0;      // rows whose bound did not hold (kernel: unsound certificates)
  Index output_violations = 0;  // kernel rows whose output error exceeded its bound
  std::map<std::string, Index> statuses;
};

/// Aggregates the rows of one stream and one model.
StreamSummary summarize(const std::string& stream, Model model, const std::vector<QueryRecord>& rows);

}  // namespace vashista
