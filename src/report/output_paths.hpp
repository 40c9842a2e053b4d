#pragma once
// The output files of one command, checked before any work (docs/cli.md, "Output files"): an output
// must not be an input of the run (inputs are never modified: `certify t.h5 --report t.h5` would
// otherwise replace the trace by its own report) nor another output of it (one would silently replace
// the other). Same file: core/file_identity.hpp.
#include <string>
#include <vector>

namespace vashista {

/// A file of the run and what names it on the command line ("the input trace", "--report", ...).
struct NamedPath {
  std::string role;
  std::string path;
};

/// Error(usage), one line naming both files and their roles, when some output is the same file as an
/// input or as an earlier output (two outputs may share a stream such as /dev/stdout, which is written in
/// place: report/atomic_file.hpp), or is a directory or a non-regular file that is not a stream (a block
/// device, a loop of symbolic links). Outputs with an empty path (not requested) are skipped.
void check_output_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs);

/// Checks, before any work, that `out` can receive a file written atomically (a temporary file in its
/// directory, renamed onto it: report/atomic_file.hpp), as the trace outputs of `gen` and `kernel --out` are.
/// Error(usage), one line naming the option and the file: it is a directory, or exists and is not a regular
/// file (a device, FIFO, socket or loop of symbolic links), or it exists and replace_existing is false (gen
/// without --force). Error(io): no file can be created in its directory (missing, not a directory or not
/// writable), found by creating the temporary there and removing it.
void check_output_file(const NamedPath& out, bool replace_existing);

}  // namespace vashista
