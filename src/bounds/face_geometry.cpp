// D_i = max_{j in F} ||k_i - k_j||, D = max_{i not in F} D_i (docs/theory.md, section 2).
#include "bounds/face_geometry.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>

namespace vashista {

FaceGeometry face_geometry(const Eigen::Ref<const Matrix>& keys, const std::vector<Index>& face) {
  const Index n = keys.rows();
  VASHISTA_CHECK(!face.empty(), ErrorKind::bad_input, "face_geometry: empty face");
  std::vector<char> in(static_cast<std::size_t>(n), 0);
  for (Index j : face) {
    VASHISTA_CHECK(j >= 0 && j < n, ErrorKind::bad_input, "face_geometry: face index {} outside [0, {})", j, n);
    in[static_cast<std::size_t>(j)] = 1;
  }
  FaceGeometry g;
  g.distances = Vector::Zero(n);
  for (Index i = 0; i < n; ++i) {
    double best = 0;
    for (Index j : face) best = std::max(best, (keys.row(i) - keys.row(j)).squaredNorm());
    g.distances[i] = std::sqrt(best);
    if (!in[static_cast<std::size_t>(i)]) g.d_max = std::max(g.d_max, g.distances[i]);
  }
  return g;
}

}  // namespace vashista
