#pragma once
// JSON reports of certify and sweep (schema in docs/cli.md). Non-finite numbers become null.
#include "analysis/certify.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace vashista {

/// A finite double, or null.
nlohmann::json json_number(double value);

nlohmann::json to_json(const StreamSummary& summary);
nlohmann::json to_json(const Violation& violation);

void write_certify_json(std::ostream& out, const std::string& trace_path, const CertifyOptions& options,
                        const CertifyResult& result);

}  // namespace vashista
