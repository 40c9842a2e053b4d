#pragma once
// Runs one of the project's plotting scripts (plots/*.py) with Debian's python3 (which has
// python3-matplotlib and python3-h5py). The script directory is $VASHISTA_PLOTS_DIR if set, else
// the source tree's plots/ recorded at build time. No shell is involved (arguments are passed as is).
#include "report/atomic_file.hpp"

#include <string>
#include <vector>

namespace vashista {

/// Draws the figures into `figure_dir` with plots/<script>: flushes std::cout first (the script writes to the
/// same terminal), then prints "figures written to <figure_dir>". The script's stdout is the process's; its
/// stderr is captured (an unlinked temporary file) and passed on when the script succeeds. Throws Error(io)
/// when python3 or the script is missing or the script fails, in one line that ends with the last non-empty
/// line the script wrote to stderr (for a Python exception: its type and message, not the traceback).
void draw_figures(const std::string& script, const std::vector<std::string>& arguments, const std::string& figure_dir);

/// Prepares `option DIR` (e.g. "--plot") for figures drawn from a run's CSV and JSON, which the script reads
/// back from their files: Error(usage) when either names a stream (device, FIFO, socket) or DIR exists and is
/// not a directory, Error(io) when DIR cannot be created; creates DIR and its parents (recorded in `created`,
/// which removes them again, when still empty, unless the run succeeds and calls created.keep()), and an empty
/// `csv` or `json` becomes DIR/<stem>.csv or DIR/<stem>.json.
void prepare_plot_outputs(const std::string& dir, const std::string& option, const std::string& stem, std::string& csv,
                          std::string& json, CreatedDirectories& created);

}  // namespace vashista
