#include "report/output_paths.hpp"

#include "core/error.hpp"
#include "core/file_identity.hpp"

namespace vashista {

void check_output_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const NamedPath& out = outputs[o];
    if (out.path.empty()) continue;
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

}  // namespace vashista
