// Output paths of a run (report/output_paths.hpp) and the same-file test behind them
// (core/file_identity.hpp).
#include "core/error.hpp"
#include "core/file_identity.hpp"
#include "report/output_paths.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace vashista;

namespace {

// A fresh directory with one existing file "in.h5", removed at the end of the test.
struct Scratch {
  fs::path dir;
  fs::path input;
  Scratch() {
    dir = fs::temp_directory_path() / ("vashista_output_paths_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "sub");
    input = dir / "in.h5";
    std::ofstream(input) << "trace";
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string at(const std::string& name) const { return (dir / name).string(); }
};

ErrorKind kind_of(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  try {
    check_output_paths(inputs, outputs);
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("check_output_paths accepted the paths");
  return ErrorKind::internal;
}

}  // namespace

TEST_CASE("same_file: spellings, links, files not created yet") {
  Scratch s;
  const std::string in = s.input.string();
  CHECK(same_file(in, in));
  CHECK(same_file(in, s.at("./in.h5")));
  CHECK(same_file(in, s.at("sub/../in.h5")));
  fs::create_symlink(s.input, s.dir / "soft.h5");
  fs::create_hard_link(s.input, s.dir / "hard.h5");
  CHECK(same_file(in, s.at("soft.h5")));
  CHECK(same_file(in, s.at("hard.h5")));
  fs::create_directory_symlink(s.dir, s.dir / "sub" / "up");
  CHECK(same_file(in, s.at("sub/up/in.h5")));
  // Neither exists: the same file once written when the resolved paths agree.
  CHECK(same_file(s.at("new.json"), s.at("sub/../new.json")));
  CHECK(same_file(s.at("new.json"), s.at("sub/up/new.json")));
  CHECK_FALSE(same_file(s.at("new.json"), s.at("other.json")));
  // One exists, the other does not: two files.
  CHECK_FALSE(same_file(in, s.at("new.json")));
  // Two existing files with the same bytes are still two files.
  std::ofstream(s.dir / "copy.h5") << "trace";
  CHECK_FALSE(same_file(in, s.at("copy.h5")));
}

TEST_CASE("check_output_paths: an output may be neither an input nor another output") {
  Scratch s;
  const std::vector<NamedPath> inputs{{"the input trace", s.input.string()}};
  CHECK_NOTHROW(check_output_paths(inputs, {{"--per-query", s.at("q.csv")}, {"--report", s.at("r.json")}}));
  CHECK_NOTHROW(check_output_paths(inputs, {{"--per-query", ""}, {"--report", ""}}));  // not requested
  CHECK(kind_of(inputs, {{"--report", s.input.string()}}) == ErrorKind::usage);
  CHECK(kind_of(inputs, {{"--per-query", ""}, {"--report", s.at("./in.h5")}}) == ErrorKind::usage);
  CHECK(kind_of(inputs, {{"--per-query", s.at("x.out")}, {"--report", s.at("sub/../x.out")}}) == ErrorKind::usage);
  // A stream is written in place: two outputs may share it.
  CHECK_NOTHROW(check_output_paths(inputs, {{"--per-query", "/dev/null"}, {"--report", "/dev/null"}}));
  try {
    check_output_paths(inputs, {{"--report", s.input.string()}});
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find("--report") != std::string::npos);
    CHECK(message.find("the input trace") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}
