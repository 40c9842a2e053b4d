#include "report/output_paths.hpp"

#include "core/error.hpp"
#include "core/file_identity.hpp"
#include "report/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vashista {

void check_output_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const NamedPath& out = outputs[o];
    if (out.path.empty()) continue;
    const PathKind kind = path_kind(out.path);
    VASHISTA_CHECK(kind != PathKind::directory, ErrorKind::usage, "{} {}: is a directory", out.role, out.path);
    VASHISTA_CHECK(kind != PathKind::other, ErrorKind::usage,
                   "{} {}: not a regular file (a block device or a loop of symbolic links?)", out.role, out.path);
    for (const NamedPath& in : inputs)
      VASHISTA_CHECK(!same_file(out.path, in.path), ErrorKind::usage,
                     "{} {}: the same file as {} {} (inputs are never modified)", out.role, out.path, in.role,
                     in.path);
    // A stream (/dev/null, a pipe) is written in place and standard output or error through the process's
    // own stream, never replaced: two outputs may share them.
    if (path_kind(out.path) == PathKind::stream || standard_stream_number(out.path) != 0) continue;
    for (std::size_t e = 0; e < o; ++e)
      VASHISTA_CHECK(outputs[e].path.empty() || !same_file(out.path, outputs[e].path), ErrorKind::usage,
                     "{} {}: the same file as {} {} (one output would replace the other)", out.role, out.path,
                     outputs[e].role, outputs[e].path);
  }
}

void check_output_file(const NamedPath& out, bool replace_existing) {
  const std::string name = out.role.empty() ? out.path : out.role + " " + out.path;
  VASHISTA_CHECK(!out.path.empty(), ErrorKind::usage, "{}empty output file name", out.role.empty() ? "" : out.role + ": ");
  const PathKind kind = path_kind(out.path);
  VASHISTA_CHECK(kind != PathKind::directory, ErrorKind::usage, "{}: is a directory", name);
  VASHISTA_CHECK(kind == PathKind::absent || kind == PathKind::regular, ErrorKind::usage,
                 "{}: is not a regular file (the output is written to a temporary file and renamed onto it)", name);
  VASHISTA_CHECK(kind == PathKind::absent || replace_existing, ErrorKind::usage,
                 "{}: output file already exists (give --force to replace it)", name);
  const TemporaryPath temp(out.path);  // removed again when it goes out of scope
  const int fd = ::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  VASHISTA_CHECK(fd >= 0, ErrorKind::io, "{}: cannot create a file in its directory: {}", name, std::strerror(errno));
  ::close(fd);
}

}  // namespace vashista
