#pragma once
// Face geometry used by Theorems H1 and H2 (docs/theory.md, section 2):
//   D_i = max_{j in F} ||k_i - k_j||,   D = max_{i not in F} D_i.
// Cost O(n |F| d).
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

struct FaceGeometry {
  Vector distances;   // D_i for every key (n); for i in F it is the face's own spread
  double d_max = 0;   // D = max_{i not in F} D_i (0 when F holds every key)
};

/// D_i and D for the face F of the keys (n x d). F must be non-empty with indices in [0, n).
FaceGeometry face_geometry(const Eigen::Ref<const Matrix>& keys, const std::vector<Index>& face);

}  // namespace vashista
