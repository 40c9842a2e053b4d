#pragma once
// The per-query CSV schema shared by `certify` and `sweep` (docs/cli.md lists every column).
#include "analysis/query_record.hpp"
#include "report/csv_writer.hpp"

#include <ostream>

namespace vashista {

class RecordCsvWriter {
 public:
  explicit RecordCsvWriter(std::ostream& out);
  void write(const QueryRecord& record);

 private:
  CsvWriter csv_;
};

}  // namespace vashista
