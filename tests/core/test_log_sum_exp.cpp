#include "core/log_sum_exp.hpp"
#include "core/error.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace vashista;

TEST_CASE("log_sum_exp matches the direct sum and survives huge and tiny terms") {
  std::vector<double> v{0.1, -2.0, 3.5};
  double direct = std::log(std::exp(0.1) + std::exp(-2.0) + std::exp(3.5));
  CHECK(log_sum_exp(v) == doctest::Approx(direct).epsilon(1e-14));
  std::vector<double> huge{1000.0, 1000.0};
  CHECK(log_sum_exp(huge) == doctest::Approx(1000.0 + std::log(2.0)).epsilon(1e-15));
  std::vector<double> tiny{-800.0, -801.0};
  CHECK(log_sum_exp(tiny) == doctest::Approx(-800.0 + std::log1p(std::exp(-1.0))).epsilon(1e-15));
  CHECK(std::isinf(log_sum_exp(std::vector<double>{})));
}

TEST_CASE("LogSumExp merge equals adding all terms") {
  LogSumExp a, b, all;
  for (double x : {1.0, -5.0, 7.0}) { a.add(x); all.add(x); }
  for (double x : {9.0, -300.0}) { b.add(x); all.add(x); }
  a.merge(b);
  CHECK(a.value() == doctest::Approx(all.value()).epsilon(1e-15));
}

TEST_CASE("log1m_exp is accurate near 0 and far below") {
  CHECK(log1m_exp(-1e-20) == doctest::Approx(std::log(1e-20)).epsilon(1e-12));
  CHECK(log1m_exp(-50.0) == doctest::Approx(-std::exp(-50.0)).epsilon(1e-12));
}

TEST_CASE("VASHISTA_CHECK throws an Error of the given kind with a formatted message") {
  try {
    VASHISTA_CHECK(1 + 1 == 3, ErrorKind::bad_input, "{}: {}: {}", "f.h5", "/streams/a/keys", "bad");
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_input);
    CHECK(std::string(e.what()) == "f.h5: /streams/a/keys: bad");
    CHECK(exit_code_for(e.kind()) == 2);
  }
}
