#pragma once
// CSV output (RFC 4180 quoting). Numbers are written in the shortest form that reads back to the
// same double; NaN (a value that does not exist) is written as an empty cell; +-inf as "inf"/"-inf".
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace vashista {

class CsvWriter {
 public:
  CsvWriter(std::ostream& out, std::vector<std::string> header);
  CsvWriter& cell(std::string_view text);
  CsvWriter& cell(const char* text) { return cell(std::string_view(text)); }
  CsvWriter& cell(const std::string& text) { return cell(std::string_view(text)); }
  CsvWriter& cell(double value);
  CsvWriter& cell(long long value);
  CsvWriter& cell(int value) { return cell(static_cast<long long>(value)); }
  CsvWriter& cell(std::optional<bool> value);  // "true"/"false", empty when absent
  void end_row();  // checks that the row has as many cells as the header

 private:
  void separator();
  std::ostream& out_;
  size_t columns_;
  size_t cells_in_row_ = 0;
};

/// Shortest round-trip text of a double; "" for NaN, "inf"/"-inf" for infinities.
std::string format_number(double value);

}  // namespace vashista
