#pragma once
// Whether two path names refer to one file. Outputs must never replace an input or another output of
// the same run (docs/cli.md, "Output files"); this is the test.
#include <string>

namespace vashista {

/// True when a and b name the same file: the same device and inode when both exist (hard links,
/// symbolic links, "x" and "./x"), otherwise the same absolute path once the symbolic links of its
/// existing part are resolved (std::filesystem::weakly_canonical: a file not created yet, spelled two
/// ways). Never throws; a path that cannot be resolved is compared as written.
bool same_file(const std::string& a, const std::string& b);

}  // namespace vashista
