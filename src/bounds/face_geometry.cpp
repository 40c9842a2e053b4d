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
  // Copies of one key are at the same distance from every k_i: each distinct face row is used once (a face
  // holding thousands of copies of one key, e.g. zero-padded keys, made this loop quadratic in n).
  const Index d = keys.cols();
  const auto row = [&](Index j) { return keys.row(j).data(); };  // keys are row-major
  std::vector<Index> distinct = face;
  std::sort(distinct.begin(), distinct.end(),
            [&](Index a, Index b) { return std::lexicographical_compare(row(a), row(a) + d, row(b), row(b) + d); });
  distinct.erase(std::unique(distinct.begin(), distinct.end(),
                             [&](Index a, Index b) { return std::equal(row(a), row(a) + d, row(b)); }),
                 distinct.end());
  FaceGeometry g;
  g.distances = Vector::Zero(n);
  for (Index i = 0; i < n; ++i) {
    double best = 0;
    for (Index j : distinct) best = std::max(best, (keys.row(i) - keys.row(j)).squaredNorm());
    g.distances[i] = std::sqrt(best);
    if (!in[static_cast<std::size_t>(i)]) g.d_max = std::max(g.d_max, g.distances[i]);
  }
  return g;
}

}  // namespace vashista
