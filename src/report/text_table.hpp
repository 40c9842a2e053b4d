#pragma once
// Aligned plain-text table for terminal summaries: columns right-aligned except the first. Cells are
// stored escaped (core/printable.hpp): a name read from a trace cannot break a row over two lines.
#include <ostream>
#include <string>
#include <vector>

namespace vashista {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  void add_row(std::vector<std::string> row);
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace vashista
