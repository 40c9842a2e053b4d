#include "core/file_identity.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <filesystem>
#include <system_error>

namespace vashista {

namespace {

std::filesystem::path resolved(const std::string& name) {
  std::error_code error;
  std::filesystem::path path = std::filesystem::weakly_canonical(std::filesystem::absolute(name, error), error);
  if (error) return std::filesystem::path(name).lexically_normal();
  return path;
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  struct stat sa {}, sb {};
  const bool a_exists = ::stat(a.c_str(), &sa) == 0, b_exists = ::stat(b.c_str(), &sb) == 0;
  if (a_exists && b_exists) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (a_exists != b_exists) return false;  // one of them does not exist (yet): two files
  return resolved(a) == resolved(b);
}

PathKind path_kind(const std::string& path) {
  struct stat st {};
  if (path.empty()) return PathKind::absent;
  if (::stat(path.c_str(), &st) != 0) return errno == ELOOP ? PathKind::other : PathKind::absent;
  if (S_ISREG(st.st_mode)) return PathKind::regular;
  if (S_ISDIR(st.st_mode)) return PathKind::directory;
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return PathKind::stream;
  return PathKind::other;
}

int standard_stream_number(const std::string& path) {
  struct stat target {}, standard {};
  if (path.empty() || ::stat(path.c_str(), &target) != 0) return 0;
  for (int fd : {STDOUT_FILENO, STDERR_FILENO})
    if (::fstat(fd, &standard) == 0 && standard.st_dev == target.st_dev && standard.st_ino == target.st_ino) return fd;
  return 0;
}

std::string replacement_path(const std::string& path) {
  // Follow the chain of links one at a time (a dangling link too: its target is the file to create), at
  // most 40 as the kernel does (a loop is returned as it is: path_kind calls it `other`).
  std::filesystem::path current(path);
  for (int hop = 0; hop < 40; ++hop) {
    struct stat st {};
    if (current.empty() || ::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return current.string();
    std::error_code error;
    const std::filesystem::path target = std::filesystem::read_symlink(current, error);
    if (error) return current.string();
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  return path;
}

}  // namespace vashista
