#pragma once
// `vashista certify`: per query, layer and head of a trace, is sparse decoding certified safe, and
// does every bound and every kernel certificate hold? (docs/cli.md, docs/theory.md)
#include "analysis/model.hpp"
#include "analysis/stream_summary.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace vashista {

struct CertifyOptions {
  ModelSelection models;                 // --model (default both)
  double eps = 1.0;                      // --eps: softmax temperature (1 = deployed attention)
  double delta = 1e-3;                   // --delta: target tail mass for "safe", eps*, k_eff
  std::vector<std::string> stream_patterns;  // --streams: glob patterns on stream names (empty = all)
  int threads = 0;                       // --threads (0 = all cores)
  std::string per_query_csv;             // --per-query FILE.csv (empty = none)
  std::string report_json;               // --report FILE.json (empty = none)
  std::string certificates_h5;           // --certificates FILE.h5: the hull projections' certificates
  bool progress = true;                  // progress lines on stderr for long runs
};

struct Violation {
  std::string stream;
  Index query = 0;
  Model model = Model::softmax;
  double eps = kNaN;
  std::string bound;
  double log10_measured = kNaN, log10_bound = kNaN;
  std::string note;
};

struct CertifyResult {
  std::vector<StreamSummary> summaries;
  std::vector<Violation> violations;   // every violation found (bounds and kernel certificates)
  Index output_violations = 0;         // kernel outputs beyond their error bound
  Index rows = 0;
  double seconds = 0;
  /// 0 when every bound and certificate holds, 1 otherwise (docs/cli.md).
  int exit_code() const { return violations.empty() && output_violations == 0 ? 0 : 1; }
};

/// Runs certify on the trace at `path`; writes the per-query CSV and JSON report atomically when
/// asked. Throws Error(bad_input / io) on a bad trace or an unwritable output.
CertifyResult certify_trace(const std::string& path, const CertifyOptions& options);

/// Terminal helpers shared by certify and sweep: a number in `digits` significant digits ("-" for
/// NaN), "status=count ..." of a summary, and the closing totals, violations, the output files written
/// (`outputs`: what and where; empty paths skipped) and verdict lines.
std::string short_number(double value, int digits = 3);
std::string status_counts(const StreamSummary& summary);
using OutputList = std::vector<std::pair<std::string, std::string>>;
void print_totals_and_violations(const std::vector<Violation>& violations, Index output_violations, Index rows,
                                 double seconds, const OutputList& outputs, std::ostream& out);

/// The terminal summary: one line per (stream, model), then totals and the violations.
void print_certify_summary(const CertifyResult& result, const CertifyOptions& options, std::ostream& out);

}  // namespace vashista
