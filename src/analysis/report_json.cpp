#include "analysis/report_json.hpp"

#include <cmath>

namespace vashista {

nlohmann::json json_number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

nlohmann::json to_json(const StreamSummary& s) {
  return {{"stream", s.stream},
          {"model", to_string(s.model)},
          {"rows", s.rows},
          {"queries", s.queries},
          {"delta_quantiles", {{"p10", json_number(s.delta_p10)}, {"p50", json_number(s.delta_p50)}, {"p90", json_number(s.delta_p90)}}},
          {"face_size", {{"p50", json_number(s.face_p50)}, {"max", json_number(s.face_max)}}},
          {"k_eff", {{"p50", json_number(s.k_eff_p50)}, {"p90", json_number(s.k_eff_p90)}}},
          {"eps_star", {{"p10", json_number(s.eps_star_p10)}, {"p50", json_number(s.eps_star_p50)}}},
          {"compared", s.compared},
          {"safe", s.safe},
          {"safe_fraction", json_number(s.rows ? static_cast<double>(s.safe) / static_cast<double>(s.rows) : kNaN)},
          {"violations", s.violations},
          {"output_violations", s.output_violations},
          {"statuses", s.statuses}};
}

nlohmann::json to_json(const Violation& v) {
  return {{"stream", v.stream}, {"query", v.query}, {"model", to_string(v.model)}, {"eps", json_number(v.eps)},
          {"bound", v.bound}, {"log10_measured", json_number(v.log10_measured)},
          {"log10_bound", json_number(v.log10_bound)}, {"note", v.note}};
}

void write_certify_json(std::ostream& out, const std::string& trace_path, const CertifyOptions& options,
                        const CertifyResult& result) {
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& s : result.summaries) streams.push_back(to_json(s));
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : result.violations) violations.push_back(to_json(v));
  nlohmann::json report = {
      {"command", "certify"},
      {"trace", trace_path},
      {"options",
       {{"models", {{"softmax", options.models.softmax}, {"hull", options.models.hull}}},
        {"eps", options.eps},
        {"delta", options.delta},
        {"streams", options.stream_patterns}}},
      {"summaries", streams},
      {"totals",
       {{"rows", result.rows},
        {"violations", result.violations.size()},
        {"output_violations", result.output_violations},
        {"seconds", result.seconds}}},
      {"violations", violations},
      {"exit_code", result.exit_code()}};
  write_json(out, report);
}

void write_json(std::ostream& out, const nlohmann::json& report) {
  out << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace vashista
