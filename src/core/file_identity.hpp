#pragma once
// What an output path names, and whether two path names refer to one file. Outputs must never replace an
// input, another output of the same run, or anything that is not a regular file (docs/cli.md, "Output
// files"): an atomic replacement renames a temporary onto the path, which as root would turn /dev/null
// into a regular file and a symbolic link into a copy.
#include <string>

namespace vashista {

/// True when a and b name the same file: the same device and inode when both exist (hard links,
/// symbolic links, "x" and "./x"), otherwise the same absolute path once the symbolic links of its
/// existing part are resolved (std::filesystem::weakly_canonical: a file not created yet, spelled two
/// ways). Never throws; a path that cannot be resolved is compared as written.
bool same_file(const std::string& a, const std::string& b);

/// What a path names now, following symbolic links.
enum class PathKind {
  absent,     // nothing there yet (or a dangling symbolic link)
  regular,    // a regular file: replaced atomically
  directory,  // never an output
  stream,     // a character device, FIFO or socket (/dev/null, /dev/stdout, a pipe): written in place
  other       // a block device, a loop of symbolic links or anything else: never an output
};
PathKind path_kind(const std::string& path);

/// 1 or 2 when `path` is the file behind this process's standard output or error (the same device and
/// inode as descriptor 1 or 2: /dev/stdout, /proc/self/fd/2, a terminal, or the file stdout was redirected
/// to), else 0. Outputs there are written through the process's own stream (report/atomic_file.hpp).
int standard_stream_number(const std::string& path);

/// The path an atomic replacement renames onto: for a symbolic link the file it names, followed link by
/// link (so that the link stays and its target is replaced or, for a dangling link, created), otherwise
/// the path itself.
std::string replacement_path(const std::string& path);

}  // namespace vashista
