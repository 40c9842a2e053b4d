#include "trace/certificate_file.hpp"

#include "report/atomic_file.hpp"
#include "trace/hdf5_util.hpp"

namespace vashista {

using h5::Handle;
using h5::Where;

const char* const kCertificateStatusNames = "certified,face_ambiguous,no_gap,unresolved";

struct CertificateFile::Impl {
  explicit Impl(const std::string& path) : temp(path) {}
  TemporaryPath temp;
  Handle file, streams;
};

CertificateFile::CertificateFile(const std::string& path, const std::string& trace, const std::string& command)
    : impl_(std::make_unique<Impl>(path)) {
  impl_->file = h5::create_output_file(impl_->temp);
  const hid_t root = impl_->file.get();
  h5::write_string_attribute(root, "format", "vashista-certificates");
  h5::write_int_attribute(root, "version", 1);
  h5::write_string_attribute(root, "trace", trace);
  h5::write_string_attribute(root, "command", command);
  h5::write_string_attribute(root, "status_names", kCertificateStatusNames);
  impl_->streams = h5::create_group(root, "streams", Where{path, "/streams"});
}

CertificateFile::~CertificateFile() = default;

void CertificateFile::add(const StreamCertificates& s) {
  const std::string& file = impl_->temp.final_path();
  const Where where{file, "/streams/" + s.name};
  const auto m = static_cast<hsize_t>(s.visible.size());
  const auto n = static_cast<hsize_t>(s.lambda.cols());
  const auto d = static_cast<hsize_t>(s.x.cols());
  const bool consistent =
      s.status.size() == m && static_cast<hsize_t>(s.x.rows()) == m && s.face_offsets.size() == m + 1 &&
      s.face_keys.size() == s.face_weights.size() && s.face_offsets.back() == static_cast<int64_t>(s.face_keys.size()) &&
      static_cast<hsize_t>(s.lambda.rows()) == m && s.lambda_error.rows() == s.lambda.rows() &&
      s.lambda_error.cols() == s.lambda.cols() && s.delta.size() == m && s.delta_lo.size() == m &&
      s.delta_hi.size() == m && s.fw_gap.size() == m && s.x_error.size() == m && s.linear_certificate.size() == m &&
      s.face_exact.size() == m;
  VASHISTA_CHECK(consistent, ErrorKind::bad_input, "{}: {}: certificate arrays of inconsistent sizes", file, where.object);
  Handle g = h5::create_group(impl_->streams.get(), s.name, where);
  const h5::DatasetLayout layout;
  const auto f64 = [&](const std::string& name, const double* data, const std::vector<hsize_t>& dims) {
    h5::write_dataset(g.get(), name, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, 8, layout, where);
  };
  const auto i64 = [&](const std::string& name, const std::vector<int64_t>& v) {
    h5::write_dataset(g.get(), name, {static_cast<hsize_t>(v.size())}, H5T_STD_I64LE, H5T_NATIVE_INT64, v.data(), 8,
                      layout, where);
  };
  const auto i8 = [&](const std::string& name, const std::vector<int8_t>& v) {
    h5::write_dataset(g.get(), name, {m}, H5T_STD_I8LE, H5T_NATIVE_INT8, v.data(), 1, layout, where);
  };
  i64("visible", s.visible);
  i8("status", s.status);
  f64("x", s.x.data(), {m, d});  // Matrix is row-major (core/conventions.hpp), as HDF5 stores
  i64("face_offsets", s.face_offsets);
  i64("face_keys", s.face_keys);
  f64("face_weights", s.face_weights.data(), {static_cast<hsize_t>(s.face_weights.size())});
  f64("lambda", s.lambda.data(), {m, n});
  f64("lambda_error", s.lambda_error.data(), {m, n});
  f64("delta", s.delta.data(), {m});
  f64("delta_lo", s.delta_lo.data(), {m});
  f64("delta_hi", s.delta_hi.data(), {m});
  f64("fw_gap", s.fw_gap.data(), {m});
  f64("x_error", s.x_error.data(), {m});
  i8("linear_certificate", s.linear_certificate);
  i8("face_exact", s.face_exact);
}

void CertificateFile::commit() {
  impl_->streams.reset();
  h5::close_output_file(impl_->file, impl_->temp);
  impl_->temp.commit();
}

}  // namespace vashista
