#pragma once
// Minimal stand-in for fmt::format, used by experiments/gpu/CMakeLists.txt ONLY when the fmt package is
// absent on the GPU machine. It replaces each "{}" or "{:spec}" with the next argument written by
// operator<< (the spec is ignored). Written for this project; the real fmt is used whenever present.
#include <sstream>
#include <string>
#include <string_view>

namespace fmt {
namespace compat_detail {
inline void format_rest(std::ostringstream& os, std::string_view f) { os << f; }
template <typename A, typename... Rest>
void format_rest(std::ostringstream& os, std::string_view f, const A& a, const Rest&... rest) {
  const size_t open = f.find('{');
  if (open == std::string_view::npos) {
    os << f;
    return;
  }
  const size_t close = f.find('}', open);
  os << f.substr(0, open) << a;
  format_rest(os, close == std::string_view::npos ? std::string_view() : f.substr(close + 1), rest...);
}
}  // namespace compat_detail
template <typename... Args>
std::string format(std::string_view f, const Args&... args) {
  std::ostringstream os;
  compat_detail::format_rest(os, f, args...);
  return os.str();
}
}  // namespace fmt
