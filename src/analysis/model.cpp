#include "analysis/model.hpp"

#include "core/error.hpp"

namespace vashista {

const char* to_string(Model model) {
  switch (model) {
    case Model::softmax: return "softmax";
    case Model::hull: return "hull";
    case Model::kernel: return "kernel";
  }
  return "?";
}

ModelSelection parse_model_selection(std::string_view text) {
  if (text == "softmax") return {true, false};
  if (text == "hull") return {false, true};
  if (text == "both") return {true, true};
  VASHISTA_FAIL(ErrorKind::usage, "--model: '{}' is not one of softmax, hull, both", text);
}

}  // namespace vashista
