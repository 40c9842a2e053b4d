// libFuzzer harness: the ε-spec parser (analysis/eps_spec.hpp) and the --model parser. Either a
// usage Error, or a spec whose values are finite, > 0, strictly descending, at most kMaxEpsValues.
#include "analysis/eps_spec.hpp"
#include "analysis/model.hpp"
#include "core/error.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const vashista::EpsSpec spec = vashista::parse_eps_spec(text);
    if (spec.automatic) {
      if (!spec.values.empty() || spec.auto_count < 1 || spec.auto_count > vashista::kMaxEpsValues) std::abort();
    } else {
      if (spec.values.empty() || spec.values.size() > static_cast<size_t>(vashista::kMaxEpsValues)) std::abort();
      for (size_t i = 0; i < spec.values.size(); ++i) {
        if (!(std::isfinite(spec.values[i]) && spec.values[i] > 0)) std::abort();
        if (i > 0 && !(spec.values[i] < spec.values[i - 1])) std::abort();
      }
    }
  } catch (const vashista::Error& e) {
    if (e.kind() != vashista::ErrorKind::usage) std::abort();
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) {
      // Messages are one line unless the input itself holds a newline.
      if (text.find('\n') == std::string_view::npos) std::abort();
    }
  }
  try {
    (void)vashista::parse_model_selection(text);
  } catch (const vashista::Error& e) {
    if (e.kind() != vashista::ErrorKind::usage) std::abort();
  }
  return 0;
}
