#include "sparse/params.hpp"

#include "core/error.hpp"

#include <cmath>

namespace vashista {

void validate(const SparseAttentionParams& params) {
  // Each field is named as the `vashista kernel` option that sets it (scale: the stream's own, or 1/sqrt(d)).
  VASHISTA_CHECK(params.page_size >= 1, ErrorKind::usage, "--page-size {} must be >= 1", params.page_size);
  VASHISTA_CHECK(params.page_budget >= 1, ErrorKind::usage, "--pages {} must be >= 1", params.page_budget);
  VASHISTA_CHECK(params.sink_pages >= 0, ErrorKind::usage, "--sink-pages {} must be >= 0", params.sink_pages);
  VASHISTA_CHECK(params.recent_pages >= 0, ErrorKind::usage, "--recent-pages {} must be >= 0", params.recent_pages);
  VASHISTA_CHECK(params.eps > 0.0 && std::isfinite(params.eps), ErrorKind::usage, "--eps {} must be finite and > 0",
                 params.eps);
  VASHISTA_CHECK(params.delta >= 0.0 && params.delta < 1.0, ErrorKind::usage,
                 "--delta {} must be in [0, 1) (0 = fixed budget, else the adaptive target)", params.delta);
  VASHISTA_CHECK(std::isnan(params.scale) || (std::isfinite(params.scale) && params.scale > 0.0),
                 ErrorKind::usage, "sparse attention: scale {} must be finite and > 0", params.scale);
  VASHISTA_CHECK(params.superpage_size == 0 || params.superpage_size >= 2, ErrorKind::usage,
                 "--superpage-size {} must be 0 (flat routing) or >= 2", params.superpage_size);
  VASHISTA_CHECK(params.superpage_refine >= 1, ErrorKind::usage, "--refine {} must be >= 1", params.superpage_refine);
}

double resolve_scale(const SparseAttentionParams& params, double stream_scale, Index dim) {
  if (std::isfinite(params.scale)) return params.scale;
  if (std::isfinite(stream_scale)) return stream_scale;
  return 1.0 / std::sqrt(static_cast<double>(dim));
}

}  // namespace vashista
