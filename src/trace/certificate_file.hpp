#pragma once
// The certificates file of a certify or sweep run (`--certificates FILE.h5`, docs/certificates.md): per
// stream, every query's exact hull projection with what proves it — the face and its barycentric weights
// (x = sum_F w_j k_j, w >= 0, sum w = 1: x lies in the hull), every key's KKT multiplier
// lambda_i = <x - k_i, q - x> with its certified error bar, the Delta interval and the Frank-Wolfe gap —
// so that a user can check them against the trace without vashista
// (experiments/certificates/verify_certificates.py). Written atomically like every output.
#include "core/conventions.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vashista {

/// One stream's certificates, m queries, n_max = rows of its keys, d = key dimension. Rows of `lambda` and
/// `lambda_error` hold NaN beyond the query's visible keys.
struct StreamCertificates {
  std::string name;
  std::vector<int64_t> visible;        // [m] keys visible to the query (its lambda covers keys 0..visible-1)
  std::vector<int8_t> status;          // [m] HullStatus code (names in the file's status_names attribute)
  Matrix x;                            // [m, d] the projection
  std::vector<int64_t> face_offsets;   // [m + 1] query j's face is face_keys[face_offsets[j] .. face_offsets[j+1])
  std::vector<int64_t> face_keys;      // key indices, 0-based, sorted per query
  std::vector<double> face_weights;    // p*_F in the same order
  Matrix lambda, lambda_error;         // [m, n_max]
  std::vector<double> delta, delta_lo, delta_hi, fw_gap, x_error;  // [m]; NaN where a value does not exist
  std::vector<int8_t> linear_certificate, face_exact;              // [m] 0/1
};

/// Status codes of StreamCertificates::status, in this order (the file's status_names attribute).
extern const char* const kCertificateStatusNames;

class CertificateFile {
 public:
  /// Opens the temporary of the atomic output `path` (Error(io) when it cannot be created); `trace` and
  /// `command` are recorded as root attributes.
  CertificateFile(const std::string& path, const std::string& trace, const std::string& command);
  ~CertificateFile();
  CertificateFile(const CertificateFile&) = delete;
  CertificateFile& operator=(const CertificateFile&) = delete;

  /// Writes /streams/<name> (Error(bad_input) when the arrays' sizes disagree, Error(io) on a write failure).
  void add(const StreamCertificates& stream);
  /// Closes the file and renames it into place; without commit() the temporary is removed.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vashista
