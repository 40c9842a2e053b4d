#pragma once
// JSON reports of certify and sweep (schema in docs/cli.md). Non-finite numbers become null.
#include "analysis/certify.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace vashista {

/// A finite double, or null.
nlohmann::json json_number(double value);

/// The report as indented JSON text and a newline. Stream names and trace attributes are bytes in HDF5:
/// invalid UTF-8 is written as U+FFFD (JSON text must be UTF-8; a Latin-1 stream name made nlohmann throw
/// after the whole run, exit 5). The per-query CSV keeps the exact bytes.
void write_json(std::ostream& out, const nlohmann::json& report);

nlohmann::json to_json(const StreamSummary& summary);
nlohmann::json to_json(const Violation& violation);

void write_certify_json(std::ostream& out, const std::string& trace_path, const CertifyOptions& options,
                        const CertifyResult& result);

}  // namespace vashista
