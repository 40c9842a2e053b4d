// Kernels of the passes over K (solvers/key_dots.hpp): every dot product and norm within the rounding
// bound gamma_d ||k|| ||v|| of the exact value (long double reference), on ranges whose lengths are not
// multiples of four or six (the kernels take 8, 6 or 4 rows at a time), strided keys (a block of a wider
// matrix), scattered row lists, and with the software prefetch on and off (which must not change a bit).
#include "solvers/key_dots.hpp"

#include "core/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace vashista;

namespace {

double gamma_bound(Index d) {
  const double u = std::numeric_limits<double>::epsilon() / 2;
  return static_cast<double>(d) * u / (1.0 - static_cast<double>(d) * u);
}

long double exact_dot(const Eigen::Ref<const Matrix>& keys, Index i, const Vector& v) {
  long double sum = 0;
  for (Index j = 0; j < keys.cols(); ++j) sum += static_cast<long double>(keys(i, j)) * v[j];
  return sum;
}

}  // namespace

TEST_CASE("key_dots: dots and norms within gamma_d ||k|| ||v|| on ranges, strides and prefetch settings") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  for (Index d : {Index{1}, Index{3}, Index{8}, Index{128}, Index{131}}) {
    const Index n = 23;
    const Matrix wide = Matrix::NullaryExpr(n, d + 5, [&](Index, Index) { return normal(rng); });
    const Eigen::Ref<const Matrix> keys = wide.leftCols(d);  // outer stride d + 5
    REQUIRE(keys.outerStride() == d + 5);
    const Vector v = Vector::NullaryExpr(d, [&](Index) { return normal(rng); });
    for (Index start : {Index{0}, Index{1}, Index{5}}) {
      for (Index len : {Index{0}, Index{1}, Index{4}, Index{7}, Index{10}, 18 - start}) {
        for (Index stop : {Index{0}, len / 2, len}) {
          std::vector<double> out(static_cast<std::size_t>(len) + 1, -7.0), norms(static_cast<std::size_t>(len) + 1, -7.0);
          std::vector<double> out_p = out, norms_p = norms, out_nn = out;
          key_dots(keys, start, len, stop, v.data(), out.data(), norms.data(), false);
          key_dots(keys, start, len, stop, v.data(), out_p.data(), norms_p.data(), true);
          key_dots(keys, start, len, stop, v.data(), out_nn.data(), nullptr, false);
          CHECK(out == out_p);      // prefetching changes no bit
          CHECK(norms == norms_p);
          for (Index i = 0; i < len; ++i) {
            const auto k = static_cast<std::size_t>(i);
            const double kn = keys.row(start + i).norm();
            CHECK(std::abs(norms[k] - kn) <= 4 * gamma_bound(d) * kn);
            if (i < stop) {
              const double bound = gamma_bound(d) * kn * v.norm();
              CHECK(std::abs(static_cast<long double>(out[k]) - exact_dot(keys, start + i, v)) <= bound);
              CHECK(std::abs(static_cast<long double>(out_nn[k]) - exact_dot(keys, start + i, v)) <= bound);
            } else {
              CHECK(out[k] == -7.0);  // rows at or beyond stop are not written
              CHECK(out_nn[k] == -7.0);
            }
          }
          CHECK(out[static_cast<std::size_t>(len)] == -7.0);    // nothing past the range
          CHECK(norms[static_cast<std::size_t>(len)] == -7.0);
        }
      }
    }
    // Scattered rows: only the listed entries are written.
    const std::vector<Index> rows = {0, 2, 3, 9, 10, 11, 17, 22, 5};
    std::vector<double> out(static_cast<std::size_t>(n), -7.0);
    key_dots_of_rows(keys, rows.data(), rows.size(), v.data(), out.data());
    for (Index i = 0; i < n; ++i) {
      const bool listed = std::find(rows.begin(), rows.end(), i) != rows.end();
      if (listed) {
        CHECK(std::abs(static_cast<long double>(out[static_cast<std::size_t>(i)]) - exact_dot(keys, i, v)) <=
              gamma_bound(d) * keys.row(i).norm() * v.norm());
      } else {
        CHECK(out[static_cast<std::size_t>(i)] == -7.0);
      }
    }
  }
}

TEST_CASE("key_dots_many: every vector's dots within gamma_d ||k|| ||v||, padding zeros, nothing past the range") {
  std::mt19937_64 rng(13);
  std::normal_distribution<double> normal;
  for (Index d : {Index{1}, Index{5}, Index{128}, Index{131}}) {
    const Index n = 23;
    const Matrix wide = Matrix::NullaryExpr(n, d + 3, [&](Index, Index) { return normal(rng); });
    const Eigen::Ref<const Matrix> keys = wide.leftCols(d);  // outer stride d + 3
    for (Index count : {Index{1}, Index{3}, Index{5}, Index{8}, Index{9}, Index{17}}) {
      const Eigen::MatrixXd vectors = Eigen::MatrixXd::NullaryExpr(d, count, [&](Index, Index) { return normal(rng); });
      std::vector<double> interleaved;
      interleave_vectors(vectors, interleaved);
      const Index padded = (count + kInterleave - 1) / kInterleave * kInterleave;
      REQUIRE(static_cast<Index>(interleaved.size()) == padded * d);
      for (Index start : {Index{0}, Index{3}}) {
        for (Index len : {Index{0}, Index{1}, Index{4}, Index{7}, n - start}) {
          CAPTURE(d);
          CAPTURE(count);
          CAPTURE(start);
          CAPTURE(len);
          const Index out_stride = len + 2;  // columns longer than the range: the rest stays untouched
          std::vector<double> out(static_cast<std::size_t>(out_stride * padded), -7.0);
          key_dots_many(keys, start, len, interleaved.data(), count, out.data(), out_stride);
          for (Index c = 0; c < padded; ++c) {
            for (Index i = 0; i < out_stride; ++i) {
              const double got = out[static_cast<std::size_t>(c * out_stride + i)];
              if (i >= len) {
                CHECK(got == -7.0);
              } else if (c >= count) {
                CHECK(got == 0.0);  // a padding vector is zero
              } else {
                const Vector v = vectors.col(c);
                CHECK(std::abs(static_cast<long double>(got) - exact_dot(keys, start + i, v)) <=
                      gamma_bound(d) * keys.row(start + i).norm() * v.norm());
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("key_pass_dots: the whole pass, the batch-tail streaming threshold and size errors") {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  const Matrix keys = Matrix::NullaryExpr(37, 16, [&](Index, Index) { return normal(rng); });
  const Vector v = Vector::NullaryExpr(16, [&](Index) { return normal(rng); });
  Vector out(37);
  key_pass_dots(keys, v, out);
  const Vector reference = keys * v;
  for (Index i = 0; i < 37; ++i)
    CHECK(std::abs(out[i] - reference[i]) <= 2 * gamma_bound(16) * keys.row(i).norm() * v.norm());
  Vector wrong(36);
  CHECK_THROWS_AS(key_pass_dots(keys, v, wrong), Error);
  // The threshold is 8 MiB: a few rows never stream, 4 GiB always.
  const Matrix tall = Matrix::Zero(64, 128);
  CHECK_FALSE(keys_stream_from_memory(tall, 64));
  const Eigen::Map<const Matrix, 0, Eigen::OuterStride<>> huge(tall.data(), 64, 128, Eigen::OuterStride<>(Index{1} << 23));
  CHECK(keys_stream_from_memory(huge, 64));  // 64 rows 64 MiB apart: 4 GiB of keys
}

TEST_CASE("plan_pass_prefetch: small keys never prefetch; larger classes are decided by their timed passes") {
  const PassPrefetch small = plan_pass_prefetch(double(std::size_t{1} << 20), false);
  CHECK_FALSE(small.prefetch);
  CHECK_FALSE(small.timed);
  CHECK(pass_prefetch_decision(double(std::size_t{1} << 20), false) == 0);
  CHECK(pass_prefetch_decision(std::ldexp(1.0, 40), true) == -1);
  // Size classes no other test touches (2^40 and 2^41 bytes): four warm-up passes without prefetching whose
  // times count for nothing (here slow, or fast enough to win if they counted), then five
  // timed passes each way, alternating, prefetching first; the faster way then holds.
  auto decide = [](double bytes, double with_us, double without_us, double warmup_us) {
    for (int pass = 0; pass < 4; ++pass) {
      const PassPrefetch plan = plan_pass_prefetch(bytes, true);
      REQUIRE(plan.timed);
      CHECK_FALSE(plan.prefetch);
      report_pass_time(bytes, true, plan.prefetch, warmup_us);
    }
    for (int pass = 0; pass < 10; ++pass) {
      const PassPrefetch plan = plan_pass_prefetch(bytes, true);
      REQUIRE(plan.timed);
      CHECK(plan.prefetch == (pass % 2 == 0));
      report_pass_time(bytes, true, plan.prefetch, plan.prefetch ? with_us + pass : without_us + pass);
    }
    return plan_pass_prefetch(bytes, true);
  };
  const PassPrefetch slower = decide(std::ldexp(1.0, 40), 130.0, 100.0, 1000.0);
  CHECK_FALSE(slower.timed);
  CHECK_FALSE(slower.prefetch);
  CHECK(pass_prefetch_decision(std::ldexp(1.0, 40), true) == 0);
  const PassPrefetch faster = decide(std::ldexp(1.0, 41), 70.0, 100.0, 1.0);
  CHECK_FALSE(faster.timed);
  CHECK(faster.prefetch);
  CHECK(pass_prefetch_decision(std::ldexp(1.0, 41), true) == 1);
  // The same size without the norms is a class of its own, still undecided.
  CHECK(plan_pass_prefetch(std::ldexp(1.0, 41), false).timed);
  CHECK(pass_prefetch_decision(std::ldexp(1.0, 41), false) == -1);
}
