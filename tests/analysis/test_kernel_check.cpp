// The kernel output check (analysis/kernel_check.hpp) allows the rounding of the dtype a kernel's output
// was stored in, and nothing more: a double-precision kernel's exact output stored as float32 passes, the
// same output off by 1e-5 relative does not.
#include "analysis/kernel_check.hpp"
#include "core/log_sum_exp.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

namespace vashista {
namespace {

// One query over n keys, every page selected (tail mass 0, tail_bound 0): the kernel's output must be the
// dense output up to rounding.
Stream stream_with_exact_output(StorageDtype storage, double relative_error) {
  const Index n = 40, d = 6, dv = 5;
  std::mt19937 gen(7);
  std::normal_distribution<double> normal;
  Stream s;
  s.name = "check";
  s.scale = 0.5;
  s.keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return normal(gen); });
  s.values = Matrix::NullaryExpr(n, dv, [&](Index, Index) { return 3.0 * normal(gen); });
  s.queries = Matrix::NullaryExpr(1, d, [&](Index, Index) { return normal(gen); });
  const Vector logits = s.scale * (s.keys * s.queries.row(0).transpose());
  const double lse = log_sum_exp(std::span<const double>(logits.data(), static_cast<size_t>(n)));
  const Vector dense = s.values.transpose() * (logits.array() - lse).exp().matrix();
  KernelOutputs k;
  k.compute_dtype = "float64";
  k.page_size = 8;
  k.eps = {1.0};
  k.selected_pages = {{{0, 1, 2, 3, 4}}};
  k.lse = Matrix::Constant(1, 1, lse);
  k.tail_bound = Matrix::Zero(1, 1);
  k.output_storage = storage;
  Matrix out(1, dv);
  for (Index c = 0; c < dv; ++c) out(0, c) = quantize(dense[c] * (1.0 + relative_error), storage);
  k.output = {out};
  s.kernel = k;
  return s;
}

}  // namespace

TEST_CASE("kernel output check: storage rounding allowed, larger errors not") {
  for (StorageDtype storage : {StorageDtype::float64, StorageDtype::float32, StorageDtype::float16, StorageDtype::bfloat16}) {
    INFO("storage ", to_string(storage));
    const QueryRecord exact = check_kernel_query(stream_with_exact_output(storage, 0.0), 0, 0, 1e-3);
    REQUIRE(exact.output_within_bound.has_value());
    CHECK(*exact.output_within_bound);
    CHECK(exact.status == "sound");
  }
  // Stored as float32, a double kernel's output off by 1e-5 relative (> 2^-24) is an output violation; so is
  // one off by 1e-10 when stored as float64 (its tolerance is 1e-12 of the output's scale).
  const QueryRecord off32 = check_kernel_query(stream_with_exact_output(StorageDtype::float32, 1e-5), 0, 0, 1e-3);
  CHECK_FALSE(*off32.output_within_bound);
  const QueryRecord off64 = check_kernel_query(stream_with_exact_output(StorageDtype::float64, 1e-10), 0, 0, 1e-3);
  CHECK_FALSE(*off64.output_within_bound);
}

TEST_CASE("kernel output check: a kernel group without its optional output is judged on the tail only") {
  // The trace has values but the kernel stored no output (the dataset is optional): the check read
  // kernel.output[e] out of bounds before.
  Stream s = stream_with_exact_output(StorageDtype::float32, 0.0);
  s.kernel->output.clear();
  const QueryRecord r = check_kernel_query(s, 0, 0, 1e-3);
  CHECK(r.status == "sound");
  CHECK_FALSE(r.output_within_bound.has_value());
  CHECK(std::isnan(r.output_error));
}

}  // namespace vashista
