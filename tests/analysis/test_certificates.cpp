// Certificates of the hull projections (analysis/hull_check.hpp stream_certificates, trace/certificate_file.hpp):
// the arrays describe each query's projection (face offsets, weights, multipliers only over the visible keys),
// and a file whose arrays disagree is refused and leaves nothing behind. The round trip through the binary
// and an independent numpy checker is the CLI test certificates_verified.
#include "analysis/hull_check.hpp"
#include "core/error.hpp"
#include "trace/certificate_file.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

namespace vashista {
namespace {

Stream causal_stream() {
  const Index n = 30, d = 5, m = 3;
  std::mt19937 gen(11);
  std::normal_distribution<double> normal;
  Stream s;
  s.name = "s";
  s.scale = 1.0;
  s.keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(gen); });
  s.queries = Matrix::NullaryExpr(m, d, [&](Index, Index) { return 5.0 * normal(gen); });
  s.query_length = {10, 20, 30};
  return s;
}

TEST_CASE("stream_certificates: one row per query, multipliers over the visible keys only") {
  const Stream s = causal_stream();
  const std::vector<HullProjection> projections = project_stream_queries(s);
  const StreamCertificates c = stream_certificates(s, projections);
  REQUIRE(c.visible.size() == 3);
  CHECK(c.face_offsets.front() == 0);
  CHECK(c.face_offsets.back() == static_cast<int64_t>(c.face_keys.size()));
  for (Index j = 0; j < 3; ++j) {
    const HullProjection& p = projections[static_cast<size_t>(j)];
    CHECK(c.visible[static_cast<size_t>(j)] == s.query_length[static_cast<size_t>(j)]);
    CHECK(c.status[static_cast<size_t>(j)] == static_cast<int8_t>(p.status));
    CHECK(c.face_offsets[static_cast<size_t>(j) + 1] - c.face_offsets[static_cast<size_t>(j)] ==
          static_cast<int64_t>(p.face.size()));
    const Index visible = s.visible_keys(j);
    for (Index i = 0; i < s.keys.rows(); ++i) {
      if (i < visible) {
        CHECK(c.lambda(j, i) == p.lambda[i]);
        CHECK(c.lambda_error(j, i) == p.lambda_error[i]);
      } else {
        CHECK(std::isnan(c.lambda(j, i)));
      }
    }
    CHECK((c.x.row(j).transpose() - p.x).norm() == 0.0);
  }
}

TEST_CASE("CertificateFile refuses inconsistent arrays and leaves no file without commit") {
  const auto dir = std::filesystem::temp_directory_path() / ("vashista_certs_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "c.h5").string();
  const Stream s = causal_stream();
  StreamCertificates c = stream_certificates(s, project_stream_queries(s));
  {
    CertificateFile file(path, "t.h5", "test");
    c.face_weights.pop_back();  // one weight short of the face keys
    CHECK_THROWS_AS(file.add(c), Error);
  }  // destroyed without commit
  CHECK(!std::filesystem::exists(path));
  CHECK(std::filesystem::is_empty(dir));  // the temporary is gone too
  {
    CertificateFile file(path, "t.h5", "test");
    file.add(stream_certificates(s, project_stream_queries(s)));
    file.commit();
  }
  CHECK(std::filesystem::is_regular_file(path));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vashista
