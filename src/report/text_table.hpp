#pragma once
// Aligned plain-text table for terminal summaries: columns right-aligned except the first.
#include <ostream>
#include <string>
#include <vector>

namespace vashista {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace vashista
