// vashista gen OUT.h5: parse options, check OUT, call generate_synthetic and write_trace (atomic).
#include "commands.hpp"
#include "report/output_paths.hpp"
#include "synth/synthetic.hpp"
#include "trace/trace_writer.hpp"

#include <fmt/core.h>

#include <memory>

namespace vashista::cli {

void setup_gen(CLI::App& app, RunFunction& run) {
  struct Options {
    std::string output;
    SynthOptions synth;
    std::string seed = "1";  // parsed by parse_seed: CLI11 would wrap -1 and clamp values beyond 2^64 - 1
    double scale = 0;        // --scale, when given
    std::string dtype = "float32";
    std::string kind = "all";
    int gzip = 4;
    bool force = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "gen", "Write a seeded synthetic trace with a planted face and gap (hull and softmax models) and random streams");
  sub->add_option("output", opts->output, "Output trace file (HDF5, format v1)")->required();
  sub->add_option("--seed", opts->seed, "Random seed in [0, 2^64 - 1] (same seed, same file)")
      ->type_name("UINT")
      ->capture_default_str();
  sub->add_option("--n", opts->synth.n, "Keys per stream")->capture_default_str();
  sub->add_option("--d", opts->synth.d, "Key/query dimension")->capture_default_str();
  sub->add_option("--dv", opts->synth.d_v, "Value dimension (0 = no values)")->capture_default_str();
  sub->add_option("--queries", opts->synth.queries, "Queries per stream")->capture_default_str();
  sub->add_option("--face-size", opts->synth.face_size, "Size of the planted face")->capture_default_str();
  sub->add_option("--gap", opts->synth.gap, "Planted gap (softmax: score units; hull: g_min, Delta = t * gap); refused (exit 2) when the "
                  "storage dtype's rounding moves a planted gap by more than a factor 2")
      ->capture_default_str();
  CLI::Option* scale = sub->add_option("--scale", opts->scale, "Attention scale, finite and > 0 (default 1/sqrt(d))");
  sub->add_option("--dtype", opts->dtype, "Storage dtype")
      ->check(CLI::IsMember({"float64", "float32", "float16", "bfloat16"}))
      ->capture_default_str();
  sub->add_option("--streams-per-model", opts->synth.streams_per_kind, "Streams of each selected kind")
      ->capture_default_str();
  sub->add_option("--kind", opts->kind, "Stream kinds")
      ->check(CLI::IsMember({"hull", "softmax", "random", "all"}))
      ->capture_default_str();
  sub->add_option("--gzip", opts->gzip, "gzip level 0-9 (0 = none)")->check(CLI::Range(0, 9))->capture_default_str();
  sub->add_flag("--force", opts->force, "Overwrite an existing output file (without it an existing output is refused, exit 2)");
  sub->footer(exit_codes_footer("0 written"));
  sub->callback([&run, opts, scale] {
    const bool scale_given = scale->count() > 0;
    run = [opts, scale_given] {
      opts->synth.seed = parse_seed(opts->seed);
      if (scale_given) opts->synth.scale = opts->scale;
      opts->synth.dtype = parse_storage_dtype(opts->dtype);
      opts->synth.kinds = parse_synth_kinds(opts->kind);
      validate(opts->synth);
      check_output_file({"", opts->output}, opts->force);  // before the trace is generated in memory
      const Trace trace = generate_synthetic(opts->synth);
      TraceWriteOptions write;
      write.dtype = opts->synth.dtype;
      write.gzip_level = opts->gzip;
      write.overwrite = opts->force;
      write_trace(trace, opts->output, write);
      fmt::print("wrote {}: {} streams, dtype {}\n", opts->output, trace.streams.size(), opts->dtype);
      return 0;
    };
  });
}

}  // namespace vashista::cli
