#include "report/text_table.hpp"

#include "core/printable.hpp"

#include <algorithm>

namespace vashista {

namespace {

std::vector<std::string> escaped(std::vector<std::string> cells) {
  for (std::string& cell : cells) cell = printable(cell);
  return cells;
}

}  // namespace

TextTable::TextTable(std::vector<std::string> header) : header_(escaped(std::move(header))) {}

void TextTable::add_row(std::vector<std::string> row) { rows_.push_back(escaped(std::move(row))); }

void TextTable::print(std::ostream& out) const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
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
  print_row(header_);
  size_t total = 0;
  for (size_t w : width) total += w + 2;
  out << std::string(total > 2 ? total - 2 : 0, '-') << '\n';
  for (const auto& row : rows_) print_row(row);
}

}  // namespace vashista
