#include "core/file_identity.hpp"

#include <sys/stat.h>

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

}  // namespace vashista
