// Atomic output files (report/atomic_file.hpp) on paths that are not plain new files: symbolic links,
// FIFOs, directories, loops of links (core/file_identity.hpp's path_kind and replacement_path).
#include "core/error.hpp"
#include "core/file_identity.hpp"
#include "report/atomic_file.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using namespace vashista;

namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("vashista_atomic_file_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "sub");
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string at(const std::string& name) const { return (dir / name).string(); }
};

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_and_commit(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.stream() << text;
  file.commit();
}

ErrorKind error_of_opening(const std::string& path) {
  try {
    AtomicFile file(path);
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("AtomicFile accepted ", path);
  return ErrorKind::internal;
}

}  // namespace

TEST_CASE("path_kind and replacement_path") {
  Scratch s;
  std::ofstream(s.at("file.txt")) << "x";
  CHECK(path_kind(s.at("file.txt")) == PathKind::regular);
  CHECK(path_kind(s.at("none.txt")) == PathKind::absent);
  CHECK(path_kind(s.at("sub")) == PathKind::directory);
  CHECK(path_kind("/dev/null") == PathKind::stream);  // only inspected
  REQUIRE(::mkfifo(s.at("pipe").c_str(), 0600) == 0);
  CHECK(path_kind(s.at("pipe")) == PathKind::stream);
  fs::create_symlink("file.txt", s.dir / "link.txt");
  fs::create_symlink("../link.txt", s.dir / "sub" / "chain.txt");
  fs::create_symlink("missing.txt", s.dir / "dangling.txt");
  CHECK(path_kind(s.at("link.txt")) == PathKind::regular);
  CHECK(fs::equivalent(replacement_path(s.at("sub/chain.txt")), s.at("file.txt")));
  CHECK(fs::path(replacement_path(s.at("dangling.txt"))) == s.dir / "missing.txt");
  CHECK(replacement_path(s.at("file.txt")) == s.at("file.txt"));
  fs::create_symlink("loop_b", s.dir / "loop_a");
  fs::create_symlink("loop_a", s.dir / "loop_b");
  CHECK(path_kind(s.at("loop_a")) == PathKind::other);
}

TEST_CASE("standard_stream_number: the files behind descriptors 1 and 2") {
  Scratch s;
  std::ofstream(s.at("file.txt")) << "x";
  CHECK(standard_stream_number("/proc/self/fd/1") == 1);
  CHECK(standard_stream_number("/proc/self/fd/2") != 0);  // 2, or 1 when both name one file
  CHECK(standard_stream_number(s.at("file.txt")) == 0);
  CHECK(standard_stream_number(s.at("none.txt")) == 0);
}

TEST_CASE("AtomicFile: a symbolic link stays, its target gets the output") {
  Scratch s;
  std::ofstream(s.at("target.csv")) << "old";
  fs::create_symlink("target.csv", s.dir / "link.csv");
  write_and_commit(s.at("link.csv"), "new");
  CHECK(fs::is_symlink(s.dir / "link.csv"));
  CHECK(contents(s.at("target.csv")) == "new");
  fs::create_symlink("created.json", s.dir / "dangling.json");
  write_and_commit(s.at("dangling.json"), "{}");
  CHECK(fs::is_symlink(s.dir / "dangling.json"));
  CHECK(contents(s.at("created.json")) == "{}");
}

TEST_CASE("AtomicFile: a FIFO is written in place, never replaced") {
  Scratch s;
  const std::string pipe = s.at("rows.fifo");
  REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] { received = contents(pipe); });
  write_and_commit(pipe, "stream,query\n");
  reader.join();
  CHECK(received == "stream,query\n");
  struct stat st {};
  REQUIRE(::stat(pipe.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("AtomicFile and TemporaryPath refuse directories, loops and (for TemporaryPath) streams") {
  Scratch s;
  CHECK(error_of_opening(s.at("sub")) == ErrorKind::usage);
  fs::create_symlink("loop_b", s.dir / "loop_a");
  fs::create_symlink("loop_a", s.dir / "loop_b");
  CHECK(error_of_opening(s.at("loop_a")) == ErrorKind::usage);
  CHECK(fs::is_symlink(s.dir / "loop_a"));
  REQUIRE(::mkfifo(s.at("pipe").c_str(), 0600) == 0);
  CHECK_THROWS_AS(TemporaryPath(s.at("pipe")), Error);
  CHECK_THROWS_AS(TemporaryPath(s.at("sub")), Error);
  CHECK(fs::is_empty(s.dir / "sub"));
}
