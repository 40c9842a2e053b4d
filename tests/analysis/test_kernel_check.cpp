// The kernel output check (analysis/kernel_check.hpp) allows the rounding of the dtype a kernel's output
// was stored in, and nothing more: a double-precision kernel's exact output stored as float32 passes, the
// same output off by 1e-5 relative does not.
#include "analysis/kernel_check.hpp"
#include "core/log_sum_exp.hpp"
#include "support/float32_attention.hpp"

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

TEST_CASE("kernel output check: a float32 kernel's rounding at small eps is allowed, a wrong output is not") {
  // The CUDA kernel's evaluation (float32, bfloat16 cache) at eps 0.003 to 3, every page selected: session 18 saw
  // such outputs fail the fixed 1e-5 ||o|| tolerance this check used before; the rounding model allows them.
  const Index n = 256, d = 128;
  std::mt19937 gen(11);
  std::normal_distribution<double> normal;
  Stream s;
  s.name = "small_eps";
  s.scale = 1.0 / std::sqrt(static_cast<double>(d));
  s.keys = Matrix::NullaryExpr(n, d, [&](Index, Index) { return quantize(2.0 * normal(gen), StorageDtype::bfloat16); });
  s.values = Matrix::NullaryExpr(n, d, [&](Index, Index) { return quantize(normal(gen), StorageDtype::bfloat16); });
  s.queries = Matrix::NullaryExpr(1, d, [&](Index, Index) { return quantize(normal(gen), StorageDtype::float32); });
  KernelOutputs k;
  k.name = "vashista-sparse";
  k.device = "NVIDIA H200";
  k.compute_dtype = "bfloat16/float32";
  k.page_size = 16;
  k.eps = {0.01};
  std::vector<int32_t> all_pages(n / 16);
  for (int32_t p = 0; p < n / 16; ++p) all_pages[static_cast<size_t>(p)] = p;
  k.selected_pages = {{all_pages}};
  k.lse = Matrix::Zero(1, 1);
  k.tail_bound = Matrix::Zero(1, 1);
  k.output_storage = StorageDtype::float32;
  // Within the allowance at every temperature (the kernel's logit rounding grows like 1/eps).
  for (double eps : {0.003, 0.03, 0.3, 3.0, 0.01}) {
    s.kernel = k;
    s.kernel->eps = {eps};
    s.kernel->output = {test::float32_flash_decoding(s.keys, s.values, s.queries.row(0).transpose(), s.scale, eps, 8, 64)
                            .transpose().cast<float>().cast<double>()};
    const QueryRecord good = check_kernel_query(s, 0, 0, 1e-3);
    INFO("eps ", eps, " error ", good.output_error, " rounding allowance ", good.output_rounding);
    CHECK(good.output_error > 0.0);
    CHECK(*good.output_within_bound);
    CHECK(good.output_rounding < 1e-3 * s.kernel->output[0].norm());
  }
  const Vector o = s.kernel->output[0].row(0).transpose();  // eps = 0.01
  // Off by 0.2 % of its norm in one coordinate (twice the largest allowance above), or with the largest-weight token's value left out: violations.
  Stream off = s;
  off.kernel->output[0](0, 0) += 2e-3 * o.norm();
  CHECK_FALSE(*check_kernel_query(off, 0, 0, 1e-3).output_within_bound);
  Stream dropped = s;
  const Vector logits = s.keys * s.queries.row(0).transpose();
  Index top = 0;
  logits.maxCoeff(&top);
  dropped.values.row(top).setZero();
  dropped.kernel->output[0] =
      test::float32_flash_decoding(s.keys, dropped.values, s.queries.row(0).transpose(), s.scale, 0.01, 8, 64)
          .transpose().cast<float>().cast<double>();
  dropped.values = s.values;
  CHECK_FALSE(*check_kernel_query(dropped, 0, 0, 1e-3).output_within_bound);
  // Another kernel computing in bfloat16 over these 256 tokens: its sums are too long for a bound in that
  // arithmetic, so the output is not judged (and said so), neither passed nor failed.
  Stream other = s;
  other.kernel->name = "another-kernel";
  other.kernel->compute_dtype = "bfloat16";
  const QueryRecord unjudged = check_kernel_query(other, 0, 0, 1e-3);
  CHECK_FALSE(unjudged.output_within_bound.has_value());
  CHECK(unjudged.note.find("output not judged") != std::string::npos);
  // The same keys and values not representable in the cache dtype: the cache's rounding is allowed for.
  Stream unrounded = s;
  unrounded.keys.array() += 1e-4;
  CHECK(cache_rounding(*unrounded.kernel, unrounded) == 0x1p-8);
  CHECK(cache_rounding(*s.kernel, s) == 0.0);
}

TEST_CASE("kernel output check: candidates beyond a causal prefix (no token) are judged, not crashed on") {
  // Query 0 sees 10 of 40 keys; the kernel selected page 4 only (tokens 32..39): no candidate token, so its
  // tail_bound must be 1, and any output of norm within max ||v_i|| passes the output check.
  Stream s = stream_with_exact_output(StorageDtype::float32, 0.0);
  s.query_length = {10};
  s.kernel->selected_pages = {{{4}}};
  s.kernel->tail_bound = Matrix::Ones(1, 1);
  s.kernel->output[0].setZero();
  const QueryRecord r = check_kernel_query(s, 0, 0, 1e-3);
  CHECK(r.face_size == 0);
  CHECK(r.status == "sound");
  CHECK(*r.output_within_bound);
  s.kernel->tail_bound = Matrix::Constant(1, 1, 0.5);
  CHECK(check_kernel_query(s, 0, 0, 1e-3).status == "unsound");
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

TEST_CASE("kernel output check: a non-finite output is a finding; an infinite tail_bound is vacuous, not unsound") {
  for (const double bad : {std::nan(""), kInf, -kInf}) {
    Stream s = stream_with_exact_output(StorageDtype::float32, 0.0);
    s.kernel->output[0](0, 2) = bad;
    const QueryRecord r = check_kernel_query(s, 0, 0, 1e-3);
    CHECK(r.status == "sound");  // the tail certificate is judged on its own
    REQUIRE(r.output_within_bound.has_value());
    CHECK_FALSE(*r.output_within_bound);
    CHECK(r.output_error == kInf);
    CHECK(r.note.find("non-finite") != std::string::npos);
  }
  Stream s = stream_with_exact_output(StorageDtype::float32, 0.0);
  s.kernel->tail_bound = Matrix::Constant(1, 1, kInf);
  const QueryRecord r = check_kernel_query(s, 0, 0, 1e-3);
  CHECK(r.status == "sound");
  CHECK(*r.bound_holds);
  CHECK_FALSE(*r.safe);
  CHECK(*r.output_within_bound);  // an infinite output-error bound holds
  for (const double bad : {std::nan(""), -1e-300}) {
    s.kernel->tail_bound = Matrix::Constant(1, 1, bad);
    CHECK(check_kernel_query(s, 0, 0, 1e-3).status == "unsound");
  }
}

}  // namespace vashista
