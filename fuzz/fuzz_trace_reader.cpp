// libFuzzer harness: arbitrary bytes as a trace file. The reader must either return validated
// streams or throw vashista::Error (bad_input / io); any other exception, a crash, a sanitizer
// report or a hang is a finding. Small valid streams are then evaluated (both models, eps = 1) and
// every row is checked against fuzz/record_invariants.hpp.
#include "analysis/stream_evaluation.hpp"
#include "core/error.hpp"
#include "record_invariants.hpp"
#include "trace/trace_reader.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

std::string scratch_path() {
  const char* dir = std::getenv("VASHISTA_FUZZ_TMP");
  return std::string(dir ? dir : "/tmp") + "/vashista_fuzz_trace_" + std::to_string(getpid()) + ".h5";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = scratch_path();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
  }
  try {
    const vashista::TraceFile file = vashista::open_trace(path);
    for (const auto& name : vashista::list_streams(file)) {
      try {
        (void)vashista::stream_query_count(file, name);
        const vashista::Stream s = vashista::read_stream(file, name);
        if (s.num_keys() * s.dim() * s.num_queries() > 20000) continue;
        vashista::EvaluationPlan plan;
        plan.eps = {1.0};
        for (const auto& r : vashista::evaluate_stream(s, plan, 1, nullptr)) vashista::fuzz::check_record(r);
      } catch (const vashista::Error& e) {
        if (e.kind() != vashista::ErrorKind::bad_input && e.kind() != vashista::ErrorKind::io) throw;
      }
    }
  } catch (const vashista::Error& e) {
    if (e.kind() != vashista::ErrorKind::bad_input && e.kind() != vashista::ErrorKind::io) {
      std::fprintf(stderr, "unexpected error kind: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
