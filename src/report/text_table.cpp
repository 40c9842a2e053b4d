#include "report/text_table.hpp"

#include "core/printable.hpp"

#include <algorithm>

namespace vashista {

void TextTable::print(std::ostream& out) const {
  // Cells may carry names read from a trace: escaped (core/printable.hpp) so that a row stays one line.
  auto escaped = [](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    for (const std::string& cell : row) cells.push_back(printable(cell));
    return cells;
  };
  const std::vector<std::string> header = escaped(header_);
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : rows_) rows.push_back(escaped(row));
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print_row = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      std::string pad(width[c] - cell.size(), ' ');
      if (c > 0) out << "  ";
      if (c == 0) {
        out << cell << pad;
      } else {
        out << pad << cell;
      }
    }
    out << '\n';
  };
  print_row(header);
  size_t total = 0;
  for (size_t w : width) total += w + 2;
  out << std::string(total > 2 ? total - 2 : 0, '-') << '\n';
  for (const auto& row : rows) print_row(row);
}

}  // namespace vashista
