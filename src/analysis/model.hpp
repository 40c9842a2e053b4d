#pragma once
// Which model a report row speaks of (docs/theory.md): the softmax (score) model that the sparse
// kernel implements, the hull model of the paper's geometry, or the kernel's own certificate.
#include <string>
#include <string_view>

namespace vashista {

enum class Model { softmax, hull, kernel };

/// --model choice of certify / sweep: softmax, hull or both (kernel rows are added whenever the
/// trace holds kernel outputs).
struct ModelSelection {
  bool softmax = true;
  bool hull = true;
};

const char* to_string(Model model);

/// Parses "softmax", "hull" or "both"; throws Error(usage) otherwise.
ModelSelection parse_model_selection(std::string_view text);

}  // namespace vashista
