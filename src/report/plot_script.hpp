#pragma once
// Runs one of the project's plotting scripts (plots/*.py) with Debian's python3 (which has
// python3-matplotlib and python3-h5py). The script directory is $VASHISTA_PLOTS_DIR if set, else
// the source tree's plots/ recorded at build time. No shell is involved (arguments are passed as is).
#include <string>
#include <vector>

namespace vashista {

/// Throws Error(io) when python3 or the script is missing or the script fails.
void run_plot_script(const std::string& script, const std::vector<std::string>& arguments);

}  // namespace vashista
