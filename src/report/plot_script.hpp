#pragma once
// Runs one of the project's plotting scripts (plots/*.py) with Debian's python3 (which has
// python3-matplotlib and python3-h5py). The script directory is $VASHISTA_PLOTS_DIR if set, else
// the source tree's plots/ recorded at build time. No shell is involved (arguments are passed as is).
#include <string>
#include <vector>

namespace vashista {

/// Throws Error(io) when python3 or the script is missing or the script fails.
void run_plot_script(const std::string& script, const std::vector<std::string>& arguments);

/// Creates the figures' directory (and its parents) named by `option` (e.g. "--plot"): Error(usage) when
/// the path exists and is not a directory, Error(io) when it cannot be created (one line each; a
/// std::filesystem exception reached the user as an "internal error", exit 5).
void create_plot_directory(const std::string& dir, const std::string& option);

}  // namespace vashista
