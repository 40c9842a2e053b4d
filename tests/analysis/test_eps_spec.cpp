#include "analysis/eps_spec.hpp"
#include "core/error.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace vashista;

TEST_CASE("eps-spec: list, sorted descending and deduplicated") {
  EpsSpec s = parse_eps_spec("0.1,1,0.01,0.1");
  REQUIRE(s.values.size() == 3);
  CHECK(s.values[0] == 1.0);
  CHECK(s.values[1] == 0.1);
  CHECK(s.values[2] == 0.01);
  CHECK_FALSE(s.automatic);
}

TEST_CASE("eps-spec: log range includes both ends and is log-spaced") {
  EpsSpec s = parse_eps_spec("0.001:1:4");
  REQUIRE(s.values.size() == 4);
  CHECK(s.values[0] == 1.0);
  CHECK(s.values[1] == doctest::Approx(0.1).epsilon(1e-12));
  CHECK(s.values[2] == doctest::Approx(0.01).epsilon(1e-12));
  CHECK(s.values[3] == doctest::Approx(0.001).epsilon(1e-15));
  CHECK(parse_eps_spec("0.5:0.5:1").values == std::vector<double>{0.5});
}

TEST_CASE("eps-spec: auto with and without a count") {
  CHECK(parse_eps_spec("auto").automatic);
  CHECK(parse_eps_spec("auto").auto_count == 30);
  CHECK(parse_eps_spec("auto:12").auto_count == 12);
}

TEST_CASE("eps-spec: bad specs give a usage error that names the problem") {
  for (const char* bad : {"", "abc", "0.1,,1", "-1", "0", "1:0.1:5", "0.1:1", "0.1:1:0", "0.1:1:1", "0.1:1:x",
                          "auto:0", "auto:x", "inf", "nan", "1e999", "0.1:1:2:3", "1,2,"}) {
    CAPTURE(bad);
    try {
      parse_eps_spec(bad);
      FAIL("accepted a bad spec");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      CHECK(std::string(e.what()).find("--eps") != std::string::npos);
    }
  }
}

TEST_CASE("eps list (kernel --eps): order kept, the same item rules as a sweep list") {
  CHECK(parse_eps_list("1,0.25,0.5") == std::vector<double>{1.0, 0.25, 0.5});
  CHECK(parse_eps_list("2") == std::vector<double>{2.0});
  for (const char* bad : {"", "1,,2", ",1", "1,", "abc", "0", "-1", "inf", "nan", "0.1:1:3", "auto"}) {
    CAPTURE(bad);
    try {
      parse_eps_list(bad);
      FAIL("accepted a bad list");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      CHECK(std::string(e.what()).find("--eps") != std::string::npos);
    }
  }
  try {
    parse_eps_list("");
    FAIL("accepted an empty list");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("empty") != std::string::npos);
  }
}
