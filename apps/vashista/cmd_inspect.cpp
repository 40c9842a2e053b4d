// vashista inspect TRACE.h5: validate every selected stream and print a summary (and JSON).
#include "commands.hpp"
#include "report/atomic_file.hpp"
#include "report/output_paths.hpp"
#include "trace/trace_summary.hpp"

#include <fmt/core.h>

#include <memory>

namespace vashista::cli {

void setup_inspect(CLI::App& app, RunFunction& run) {
  struct Options {
    std::string trace;
    std::string json;
    std::vector<std::string> streams;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("inspect", "Validate a trace (format v1) and summarise its streams");
  sub->add_option("trace", opts->trace, "Trace file (HDF5, format v1; see docs/trace-format.md)")->required();
  sub->add_option("--json", opts->json, "Also write the summary as JSON to this file");
  add_streams_option(sub, opts->streams);
  sub->footer(exit_codes_footer("0 valid"));
  sub->callback([&run, opts] {
    run = [opts] {
      check_output_paths({{"the input trace", opts->trace}}, {{"--json", opts->json}});
      std::unique_ptr<AtomicFile> json;  // opened first: an unwritable path fails before the work
      if (!opts->json.empty()) json = std::make_unique<AtomicFile>(opts->json);
      const TraceSummary summary = summarize_trace(opts->trace, opts->streams);
      if (json) {
        json->stream() << summary_to_json(summary);
        json->commit();
      }
      fmt::print("{}", format_summary_table(summary));
      return 0;
    };
  });
}

}  // namespace vashista::cli
