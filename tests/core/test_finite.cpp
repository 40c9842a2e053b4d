#include "core/finite.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace vashista;

TEST_CASE("all_finite finds one inf or NaN anywhere, in contiguous and strided row-major blocks") {
  Matrix m = Matrix::Constant(7, 5, 1e300);  // large but finite: x * 0 stays 0
  CHECK(all_finite(m));
  CHECK(all_finite(m.data(), m.size()));
  CHECK(all_finite(m.data(), 0));
  const double bad[] = {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN()};
  for (double value : bad)
    for (Index i = 0; i < m.rows(); ++i)
      for (Index j = 0; j < m.cols(); ++j) {
        Matrix c = m;
        c(i, j) = value;
        CHECK_FALSE(all_finite(c));
        // A block of columns: rows are not adjacent (outer stride 5 > 3 columns); the entry counts only
        // when it lies inside the block.
        const Eigen::Ref<const Matrix> block = c.middleCols(1, 3);
        CHECK(block.outerStride() == 5);
        CHECK(all_finite(block) == (j < 1 || j > 3));
      }
}
