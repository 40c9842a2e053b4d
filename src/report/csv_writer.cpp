#include "report/csv_writer.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

#include <cmath>

namespace vashista {

std::string format_number(double value) {
  if (std::isnan(value)) return "";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

CsvWriter::CsvWriter(std::ostream& out, std::vector<std::string> header) : out_(out), columns_(header.size()) {
  for (const auto& name : header) cell(name);
  end_row();
}

void CsvWriter::separator() {
  if (cells_in_row_++ > 0) out_ << ',';
}

CsvWriter& CsvWriter::cell(std::string_view text) {
  separator();
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out_ << text;
  } else {
    out_ << '"';
    for (char c : text) {
      if (c == '"') out_ << '"';
      out_ << c;
    }
    out_ << '"';
  }
  return *this;
}

CsvWriter& CsvWriter::cell(double value) { return cell(std::string_view(format_number(value))); }

CsvWriter& CsvWriter::cell(long long value) { return cell(std::string_view(fmt::format("{}", value))); }

CsvWriter& CsvWriter::cell(std::optional<bool> value) {
  return cell(std::string_view(value ? (*value ? "true" : "false") : ""));
}

void CsvWriter::end_row() {
  VASHISTA_CHECK(cells_in_row_ == columns_, ErrorKind::internal, "CSV row has {} cells, header has {}",
                 cells_in_row_, columns_);
  out_ << '\n';
  cells_in_row_ = 0;
}

}  // namespace vashista
