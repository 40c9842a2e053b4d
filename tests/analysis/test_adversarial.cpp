// Adversarial inputs through the library's evaluation paths (docs/reliability.md, item 3): every
// case has a defined outcome — a status with the values that status says exist (never NaN there),
// or a clear Error — and never a crash. Values are checked against closed forms or brute force.
#include "analysis/certify.hpp"
#include "analysis/stream_evaluation.hpp"
#include "core/error.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_summary.hpp"
#include "trace/trace_test_util.hpp"
#include "trace/trace_writer.hpp"

#include <doctest/doctest.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace vashista {
namespace {

/// The report-row contract: a known status; no NaN in a field its status says exists.
void check_defined(const QueryRecord& r) {
  INFO("stream ", r.stream, " query ", r.query, " model ", to_string(r.model), " status ", r.status, " note ",
       r.note);
  CHECK(r.n >= 1);
  CHECK(std::isfinite(r.eps));
  if (r.model == Model::softmax) {
    CHECK((r.status == "certified" || r.status == "no_gap"));
    CHECK_FALSE(std::isnan(r.k_eff));
    CHECK_FALSE(std::isnan(r.log10_tail_measured));
  } else if (r.model == Model::hull) {
    CHECK((r.status == "certified" || r.status == "no_gap" || r.status == "face_ambiguous" ||
           r.status == "unresolved"));
  }
  if (r.status == "certified") {
    CHECK(r.face_size >= 1);
    CHECK(r.face_size < r.n);
    CHECK(std::isfinite(r.delta_lo));
    CHECK(std::isfinite(r.delta_hi));
    CHECK(r.delta_lo > 0);
    CHECK(r.delta_lo <= r.delta_hi);
    CHECK(r.bound_holds.has_value());
  }
  if (r.bound_holds.has_value()) {
    CHECK_FALSE(std::isnan(r.log10_tail_measured));
    CHECK_FALSE(std::isnan(r.log10_tail_bound));
    CHECK(*r.bound_holds);  // a violation here is a finding, never hidden
    CHECK(r.safe.has_value());
  }
  if (r.status != "certified") CHECK_FALSE(r.bound_holds.has_value());
}

Stream make_stream(const Matrix& keys, const Matrix& queries, double scale = 1.0) {
  Stream s;
  s.name = "adv";
  s.keys = keys;
  s.queries = queries;
  s.scale = scale;
  return s;
}

/// Writes `t` (float64) to dir/name and certifies it quietly on one thread with a JSON report
/// (dir/report.json) and a per-query CSV (dir/rows.csv); `co` receives the options used.
CertifyResult write_and_certify(const Trace& t, const test::ScratchDir& dir, const std::string& name,
                                CertifyOptions& co) {
  const std::string path = dir.file(name);
  TraceWriteOptions options;
  options.dtype = StorageDtype::float64;
  write_trace(t, path, options);
  co = CertifyOptions{};
  co.progress = false;
  co.threads = 1;
  co.report_json = dir.file("report.json");
  co.per_query_csv = dir.file("rows.csv");
  return certify_trace(path, co);
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<QueryRecord> evaluate(const Stream& s, std::vector<double> eps = {1.0}) {
  EvaluationPlan plan;
  plan.eps = std::move(eps);
  auto rows = evaluate_stream(s, plan, 1, nullptr);
  for (const auto& r : rows) check_defined(r);
  return rows;
}

const QueryRecord& row(const std::vector<QueryRecord>& rows, Model model, Index query = 0) {
  for (const auto& r : rows) {
    if (r.model == model && r.query == query) return r;
  }
  FAIL("no row");
  return rows.front();
}

Matrix mat(std::initializer_list<std::initializer_list<double>> rows) {
  Matrix m(static_cast<Index>(rows.size()), static_cast<Index>(rows.begin()->size()));
  Index i = 0;
  for (const auto& r : rows) {
    Index c = 0;
    for (double v : r) m(i, c++) = v;
    ++i;
  }
  return m;
}

/// Brute-force exact projection of q onto conv(keys) for tiny n (every subset's affine projection,
/// kept when its weights are >= 0 and every multiplier lambda_i = <x - k_i, q - x> >= 0). Returns
/// the gap min_{i not in F} lambda_i over keys with lambda_i > tol (NaN when none).
double brute_force_hull_gap(const Matrix& keys, const Vector& q, double tol) {
  const Index n = keys.rows();
  for (unsigned mask = 1; mask < (1u << n); ++mask) {
    std::vector<Index> s;
    for (Index i = 0; i < n; ++i)
      if (mask & (1u << i)) s.push_back(i);
    // x = k_s0 + B w, B = [k_si - k_s0], least squares of B w = q - k_s0
    const Index k = static_cast<Index>(s.size());
    Matrix B(keys.cols(), k - 1);
    for (Index c = 1; c < k; ++c) B.col(c - 1) = (keys.row(s[c]) - keys.row(s[0])).transpose();
    Vector w = k > 1 ? Vector(B.colPivHouseholderQr().solve(q - keys.row(s[0]).transpose())) : Vector(0);
    const double w0 = 1.0 - (k > 1 ? w.sum() : 0.0);
    if (w0 < -1e-12 || (k > 1 && w.minCoeff() < -1e-12)) continue;
    const Vector x = keys.row(s[0]).transpose() + (k > 1 ? Vector(B * w) : Vector::Zero(keys.cols()));
    const Vector r = q - x;
    double gap = kNaN;
    bool ok = true;
    for (Index i = 0; i < n; ++i) {
      const double lambda = (x - keys.row(i).transpose()).dot(r);
      if (lambda < -tol) ok = false;
      if (lambda > tol) gap = std::isnan(gap) ? lambda : std::min(gap, lambda);
    }
    if (ok) return gap;
  }
  return kNaN;
}

}  // namespace

TEST_CASE("adversarial: duplicate keys") {
  // Scores 2, 2, 0, -2: the face is both copies, Delta = 2 exactly.
  const Matrix keys = mat({{1, 0}, {1, 0}, {0, 0}, {-1, 0}});
  auto rows = evaluate(make_stream(keys, mat({{2, 0}})));
  const auto& s = row(rows, Model::softmax);
  CHECK(s.status == "certified");
  CHECK(s.face == std::vector<Index>{0, 1});
  CHECK(s.delta == 2.0);
  // Hull: x* = (1, 0) (both copies), r* = (1, 0), lambda_i = 1 - k_i,x -> 1, 2: Delta = 1.
  const auto& h = row(rows, Model::hull);
  CHECK(h.status == "certified");
  CHECK(h.face == std::vector<Index>{0, 1});
  CHECK(h.delta_lo <= 1.0);
  CHECK(h.delta_hi >= 1.0);
}

TEST_CASE("adversarial: exact score ties everywhere") {
  // Every key has score 0: softmax no_gap (face = all keys); the hull face is the whole segment.
  const Matrix keys = mat({{0, 1}, {0, -1}, {0, 2}});
  auto rows = evaluate(make_stream(keys, mat({{1, 0}})));
  const auto& s = row(rows, Model::softmax);
  CHECK(s.status == "no_gap");
  CHECK(s.face_size == 3);
  CHECK(s.k_eff >= 1);
  const auto& h = row(rows, Model::hull);
  CHECK(h.status == "no_gap");  // F = every key: there is no key outside the face, no gap to certify
  CHECK(h.face_size == 3);
  CHECK_FALSE(h.bound_holds.has_value());
}

TEST_CASE("adversarial: q on a vertex, on a face, inside the hull") {
  const Matrix keys = mat({{0, 0}, {1, 0}, {0, 1}});
  const Matrix queries = mat({{1, 0}, {0.5, 0.5}, {0.25, 0.25}});
  auto rows = evaluate(make_stream(keys, queries));
  for (Index j = 0; j < 3; ++j) {
    INFO("query ", j);
    const auto& h = row(rows, Model::hull, j);
    CHECK(h.status == "no_gap");  // r* = 0: q lies in the hull
    CHECK(std::isnan(h.delta));   // no gap exists, and none is reported
  }
  // Softmax: q = (1, 0) -> scores 0, 1, 0: face {1}, Delta = 1.
  CHECK(row(rows, Model::softmax, 0).delta == 1.0);
  // q = (.5, .5): scores 0, .5, .5: face {1, 2}, Delta = 0.5.
  CHECK(row(rows, Model::softmax, 1).face == std::vector<Index>{1, 2});
  CHECK(row(rows, Model::softmax, 1).delta == 0.5);
}

TEST_CASE("adversarial: n = 1") {
  auto rows = evaluate(make_stream(mat({{1, 2}}), mat({{3, 4}})));
  const auto& s = row(rows, Model::softmax);
  CHECK(s.status == "no_gap");
  CHECK(s.k_eff == 1);
  CHECK(row(rows, Model::hull).status == "no_gap");  // F = {0} = every key
}

TEST_CASE("adversarial: d = 1") {
  // Keys 1, 2, -3; q = 5: scores 5, 10, -15 -> face {1}, Delta = 5. Hull: x* = 2, r* = 3,
  // lambda_0 = (2 - 1) * 3 = 3, lambda_2 = (2 + 3) * 3 = 15 -> Delta = 3.
  auto rows = evaluate(make_stream(mat({{1}, {2}, {-3}}), mat({{5}})));
  CHECK(row(rows, Model::softmax).delta == 5.0);
  const auto& h = row(rows, Model::hull);
  CHECK(h.status == "certified");
  CHECK(h.face == std::vector<Index>{1});
  CHECK(h.delta_lo <= 3.0);
  CHECK(h.delta_hi >= 3.0);
}

// Was a finding: for keys {1, 1 - 1e-14, 0} and q = 2 the projection reported `certified` with face
// {0, 1} and Delta in [1, 1]: the Frank-Wolfe error bars (~sqrt of the rounding, ~1e-7 here) put key 1
// (lambda_1 = 1e-14) in the face. The linear certificate on the corral (hull_projection.cpp) resolves it.
TEST_CASE("adversarial: gaps at 1e-14 relative") {
  const double b = 1.0 - 1e-14;  // exact difference 1 - b by Sterbenz
  auto rows = evaluate(make_stream(mat({{1}, {b}, {0}}), mat({{1}, {2}})), {1.0, 1e-16});
  for (const auto& r : rows) {
    if (r.model == Model::softmax && r.query == 0) {
      CHECK(r.status == "certified");
      CHECK(r.delta == 1.0 - b);
    }
  }
  // Hull, q = 2: x* = 1, r* = 1, lambda_1 = 1 - b ~ 1e-14 exactly: face {0}, interval around 1 - b.
  const auto& h = row(rows, Model::hull, 1);
  CHECK(h.status == "certified");
  CHECK(h.face == std::vector<Index>{0});
  CHECK(h.delta_lo <= 1.0 - b);
  CHECK(h.delta_hi >= 1.0 - b);
  CHECK(h.delta_lo > 0.5 * (1.0 - b));  // the bar is a few units of rounding of lambda (~3e-15)
}

TEST_CASE("adversarial: norms at 1e+150 and 1e-150") {
  for (double c : {1e150, 1e-150}) {
    INFO("c = ", c);
    // d = 1: keys c, 2c, -3c; q = 5c (scale 1): softmax Delta = 5 c^2; hull Delta = 3 c^2.
    auto rows = evaluate(make_stream(mat({{c}, {2 * c}, {-3 * c}}), mat({{5 * c}})));
    const auto& s = row(rows, Model::softmax);
    CHECK(s.status == "certified");
    CHECK(s.delta == doctest::Approx(5 * c * c).epsilon(1e-12));
    const auto& h = row(rows, Model::hull);
    CHECK((h.status == "certified" || h.status == "unresolved" || h.status == "face_ambiguous"));
    if (h.status == "certified") {
      CHECK(h.delta_lo <= 3 * c * c * (1 + 1e-12));
      CHECK(h.delta_hi >= 3 * c * c * (1 - 1e-12));
    }
  }
  // Large keys, small queries: scores O(1).
  auto rows = evaluate(make_stream(mat({{1e150, 0}, {0, 1e150}, {-1e150, 0}}), mat({{2e-150, 1e-150}})));
  CHECK(row(rows, Model::softmax).delta == doctest::Approx(1.0));
}

TEST_CASE("adversarial: scores that overflow double give a clear error, not a crash") {
  // keys and queries 1e200: every value is finite (the reader accepts it) but s = 1e400 overflows.
  const Stream s = make_stream(mat({{1e200}, {-1e200}}), mat({{1e200}}));
  EvaluationPlan plan;
  plan.eps = {1.0};
  plan.models.hull = false;
  CHECK_THROWS_AS(evaluate_stream(s, plan, 1, nullptr), Error);
}

TEST_CASE("adversarial: affinely dependent face") {
  // Three collinear keys on y = 1 and one below; q = (1, 3): x* = (1, 1), F = {0, 1, 2} (affinely
  // dependent), r* = (0, 2), lambda_3 = <(1,1) - (1,0), (0,2)> = 2.
  auto rows = evaluate(make_stream(mat({{0, 1}, {1, 1}, {2, 1}, {1, 0}}), mat({{1, 3}})));
  const auto& h = row(rows, Model::hull);
  CHECK(h.status == "certified");
  CHECK(h.face == std::vector<Index>{0, 1, 2});
  CHECK(h.delta_lo <= 2.0);
  CHECK(h.delta_hi >= 2.0);
  const auto& s = row(rows, Model::softmax);  // scores <q, k> = 3, 4, 5, 1
  CHECK(s.face == std::vector<Index>{2});
  CHECK(s.delta == 1.0);
}

TEST_CASE("adversarial: n = 131072 keys in d = 2") {
  const Index n = 131072;
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> U(-1.0, 1.0);
  Matrix keys(n, 2);
  for (Index i = 0; i < n; ++i) {
    do {
      keys(i, 0) = U(gen);
      keys(i, 1) = U(gen);
    } while (keys.row(i).squaredNorm() > 1.0);
  }
  keys.row(12345) << 2.0, 0.0;  // the planted vertex
  double max_other = -kInf;
  for (Index i = 0; i < n; ++i)
    if (i != 12345) max_other = std::max(max_other, keys(i, 0));
  auto rows = evaluate(make_stream(keys, mat({{5, 0}})));
  const auto& s = row(rows, Model::softmax);  // scores 5 k_x: face {12345}, Delta = 5 (2 - max_other)
  CHECK(s.face == std::vector<Index>{12345});
  CHECK(s.delta == doctest::Approx(5 * (2 - max_other)).epsilon(1e-13));
  const auto& h = row(rows, Model::hull);  // x* = (2,0), r* = (3,0): Delta = 3 (2 - max_other)
  CHECK(h.status == "certified");
  CHECK(h.face == std::vector<Index>{12345});
  CHECK(h.delta_lo <= 3 * (2 - max_other) * (1 + 1e-12));
  CHECK(h.delta_hi >= 3 * (2 - max_other) * (1 - 1e-12));
}

TEST_CASE("adversarial: n = 3 keys in d = 512") {
  std::mt19937_64 gen(11);
  std::normal_distribution<double> N(0.0, 1.0);
  Matrix keys(3, 512), queries(2, 512);
  for (Index i = 0; i < keys.size(); ++i) keys.data()[i] = N(gen);
  for (Index i = 0; i < queries.size(); ++i) queries.data()[i] = N(gen);
  const double scale = 1.0 / std::sqrt(512.0);
  auto rows = evaluate(make_stream(keys, queries, scale));
  for (Index j = 0; j < 2; ++j) {
    const Vector q = queries.row(j).transpose();
    const Vector scores = scale * (keys * q);
    const auto& s = row(rows, Model::softmax, j);
    Index top = 0;
    scores.maxCoeff(&top);
    CHECK(s.face == std::vector<Index>{top});
    double second = -kInf;
    for (Index i = 0; i < 3; ++i)
      if (i != top) second = std::max(second, scores(i));
    CHECK(s.delta == doctest::Approx(scores(top) - second).epsilon(1e-12));
    const auto& h = row(rows, Model::hull, j);
    const double gap = brute_force_hull_gap(keys, q, 1e-9);
    INFO("query ", j, " brute-force gap ", gap);
    if (std::isnan(gap)) {
      CHECK(h.status != "certified");
    } else {
      CHECK(h.status == "certified");
      CHECK(h.delta_lo <= gap * (1 + 1e-9));
      CHECK(h.delta_hi >= gap * (1 - 1e-9));
    }
  }
}

namespace {

/// Replaces `object` by a dataset of raw 16-bit patterns stored with `file_type` (no conversion).
void write_raw16(hid_t file, const std::string& object, hid_t file_type, hsize_t rows, hsize_t cols,
                 const std::vector<uint16_t>& bits, bool bfloat16_tag) {
  H5Ldelete(file, object.c_str(), H5P_DEFAULT);
  const hsize_t dims[2] = {rows, cols};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t dset = H5Dcreate2(file, object.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(dset >= 0);
  REQUIRE(H5Dwrite(dset, file_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bits.data()) >= 0);
  if (bfloat16_tag) test::write_string_attr(dset, "dtype", "bfloat16");
  H5Dclose(dset);
  H5Sclose(space);
}

Trace small_trace(Index n, Index d) {
  Trace t;
  t.source = "adversarial";
  Stream s = make_stream(Matrix::Constant(n, d, 0.5), Matrix::Constant(1, d, 0.25), 1.0);
  s.name = "s";
  t.streams.push_back(s);
  return t;
}

}  // namespace

TEST_CASE("adversarial: inf / NaN stored in float16 and bfloat16 files are a clear bad_input error") {
  test::ScratchDir dir("adv16");
  struct Case {
    const char* name;
    StorageDtype dtype;
    uint16_t bits;
  };
  for (const Case& c : {Case{"f16_inf", StorageDtype::float16, 0x7C00}, Case{"f16_nan", StorageDtype::float16, 0x7E00},
                        Case{"f16_ninf", StorageDtype::float16, 0xFC00}, Case{"bf16_inf", StorageDtype::bfloat16, 0x7F80},
                        Case{"bf16_nan", StorageDtype::bfloat16, 0x7FC1}, Case{"bf16_ninf", StorageDtype::bfloat16, 0xFF80}}) {
    INFO(c.name);
    const std::string path = dir.file(std::string(c.name) + ".h5");
    TraceWriteOptions options;
    options.dtype = c.dtype;
    options.gzip_level = 0;
    write_trace(small_trace(3, 2), path, options);
    test::edit_file(path, [&](hid_t f) {
      const hid_t keys = H5Dopen2(f, "streams/s/keys", H5P_DEFAULT);
      const hid_t type = H5Dget_type(keys);  // the writer's own 16-bit file type
      H5Dclose(keys);
      std::vector<uint16_t> bits(6, c.dtype == StorageDtype::float16 ? 0x3C00 : 0x3F80);  // 1.0
      bits[3] = c.bits;  // row 1, column 1
      write_raw16(f, "streams/s/keys", type, 3, 2, bits, c.dtype == StorageDtype::bfloat16);
      H5Tclose(type);
    });
    CertifyOptions co;
    co.progress = false;
    co.threads = 1;
    try {
      (void)certify_trace(path, co);
      FAIL("certify accepted a non-finite key");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::bad_input);
      CHECK(std::string(e.what()).find("row 1 holds a non-finite value") != std::string::npos);
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("adversarial: bfloat16 subnormals are decoded exactly and certified") {
  test::ScratchDir dir("advbf16sub");
  const std::string path = dir.file("sub.h5");
  TraceWriteOptions options;
  options.dtype = StorageDtype::bfloat16;
  options.gzip_level = 0;
  write_trace(small_trace(3, 1), path, options);
  // keys 2^-133 (smallest bf16 subnormal, 0x0001), 3 * 2^-133 (0x0003), -2^-127 (0x8040);
  // query 0.25. Scores (scale 1) = keys / 4: face {1}, Delta = 0.5 * 2^-133 exactly.
  test::edit_file(path, [&](hid_t f) {
    const hid_t keys = H5Dopen2(f, "streams/s/keys", H5P_DEFAULT);
    const hid_t type = H5Dget_type(keys);
    H5Dclose(keys);
    write_raw16(f, "streams/s/keys", type, 3, 1, {0x0001, 0x0003, 0x8040}, true);
    H5Tclose(type);
  });
  const Trace t = read_trace(path);
  REQUIRE(t.streams.size() == 1);
  const Stream& s = t.streams[0];
  CHECK(s.keys(0, 0) == std::ldexp(1.0, -133));
  CHECK(s.keys(1, 0) == 3 * std::ldexp(1.0, -133));
  CHECK(s.keys(2, 0) == -std::ldexp(1.0, -127));
  auto rows = evaluate(s);
  const auto& r = row(rows, Model::softmax);
  CHECK(r.status == "certified");
  CHECK(r.face == std::vector<Index>{1});
  CHECK(r.delta == 0.5 * std::ldexp(1.0, -133));
  // Hull: q = 0.25 lies right of every key: x* = 3 * 2^-133, multipliers ~1e-41. Was a finding (status
  // no_gap: the Frank-Wolfe bars, ~1e-20, swallowed every multiplier); the linear certificate proves
  // face {1} and an interval around lambda_0 = (2 * 2^-133)(0.25 - 3 * 2^-133).
  const auto& h = row(rows, Model::hull);
  CHECK(h.status == "certified");
  CHECK(h.face == std::vector<Index>{1});
  const double lambda0 = 2 * std::ldexp(1.0, -133) * (0.25 - 3 * std::ldexp(1.0, -133));
  CHECK(h.delta_lo <= lambda0);
  CHECK(h.delta_hi >= lambda0);
  CHECK(h.delta_lo > 0.99 * lambda0);
}

TEST_CASE("adversarial: certify reports over degenerate streams hold no NaN") {
  test::ScratchDir dir("advreport");
  Trace t;
  t.source = "adversarial";
  auto add = [&](const char* name, Matrix k, Matrix q) {
    Stream s = make_stream(std::move(k), std::move(q), 1.0);
    s.name = name;
    t.streams.push_back(std::move(s));
  };
  add("dup", mat({{1, 0}, {1, 0}, {0, 0}}), mat({{2, 0}}));
  add("ties", mat({{0, 1}, {0, -1}, {0, 2}}), mat({{1, 0}}));
  add("inside", mat({{0, 0}, {1, 0}, {0, 1}}), mat({{0.25, 0.25}, {1, 0}}));
  add("n1", mat({{1, 2}}), mat({{3, 4}}));
  add("d1", mat({{1}, {2}, {-3}}), mat({{5}}));
  add("affine", mat({{0, 1}, {1, 1}, {2, 1}, {1, 0}}), mat({{1, 3}}));
  CertifyOptions co;
  const CertifyResult result = write_and_certify(t, dir, "adv.h5", co);
  CHECK(result.violations.empty());
  CHECK(result.exit_code() == 0);
  for (const std::string& file : {co.report_json, co.per_query_csv}) {
    std::string lower = file_text(file);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    INFO(file);
    CHECK(lower.find("nan") == std::string::npos);
    CHECK(lower.size() > 100);
  }
  CHECK(dir.count_entries() == 3);  // trace, JSON, CSV: no temporaries left
}

}  // namespace vashista

namespace vashista {

TEST_CASE("adversarial: a subnormal temperature gives unresolved hull rows, not a crash (was SIGFPE)") {
  // eps = 1e-320: eps_hull = eps / scale is subnormal, 1/eps_hull overflows, every entropic weight
  // was NaN and Eigen's product blocking divided by zero (certify --eps 1e-320 died of SIGFPE). Since
  // session 39 the logits are formed relative to the largest, so the weights are finite ((1, 0, 0)),
  // but the other logits overflow to -inf and the rounding levels are ~1e305: whichever way the solve
  // ends (line-search stall, non-finite rounding level, or a tail beyond double's range), the row must
  // be unresolved with a reason, never a tail of -inf compared with a bound.
  auto rows = evaluate(make_stream(mat({{1, 0}, {0, 1}, {-1, -1}}), mat({{3, 1}}), 0.5), {1e-320});
  const auto& h = row(rows, Model::hull);
  CHECK(h.status == "unresolved");
  INFO(h.note);
  CHECK(h.note.rfind("entropic", 0) == 0);
  const auto& s = row(rows, Model::softmax);  // scores 1.5, 0.5, -2: Delta = 1, exact at any eps
  CHECK(s.status == "certified");
  CHECK(s.delta == 1.0);
}

}  // namespace vashista

namespace vashista {

TEST_CASE("fuzz regression: a certified face holding every visible key is no_gap, not certified with NaN Delta") {
  // fuzz_stream_eval: duplicate keys, and a causal prefix of one key, both made the exact projection
  // certify F = all visible keys; the row said `certified` with a NaN Delta interval.
  Stream s = make_stream(mat({{0}, {0}, {3}}), mat({{-5}, {-5}, {7}}));
  s.query_length = {2, 1, 1};
  EvaluationPlan plan;
  plan.eps = {1.0, 1e-3};
  plan.auto_eps = false;
  for (bool automatic : {false, true}) {
    plan.auto_eps = automatic;
    plan.auto_eps_count = 3;
    auto rows = evaluate_stream(s, plan, 1, nullptr);
    for (const auto& r : rows) {
      check_defined(r);
      if (r.model == Model::hull) {
        CHECK(r.status == "no_gap");
        CHECK(r.note == "every visible key is on the face: no gap");
      }
    }
  }
}

TEST_CASE("fuzz regression: eps = 1e-300 against keys ~3e14 (continuation path prev/t overflowed; int cast UB)") {
  // fuzz_stream_eval: cold-start eps ~1e28 over a target 1e-300 gave prev / t = inf and
  // static_cast<int>(inf) in the entropic continuation path. x* = 0 (key 3), r* = 1,
  // lambda_4 = 8.2333343742029496e-05 is the gap.
  auto rows = evaluate(make_stream(mat({{-3e14}, {-1e14}, {-2e14}, {0}, {-8.2333343742029496e-05}}), mat({{1}})),
                       {1e-300, 1.0});
  for (const auto& r : rows) {
    if (r.model != Model::hull) continue;
    CHECK((r.status == "certified" || r.status == "unresolved"));
    CHECK(r.face == std::vector<Index>{3});
    CHECK(r.delta_lo <= 8.2333343742029496e-05);
    CHECK(r.delta_hi >= 8.2333343742029496e-05);
  }
}

TEST_CASE("adversarial: stream names and attributes that are not UTF-8") {
  // HDF5 names and attributes are bytes: a Latin-1 stream name made the JSON writer throw after the whole
  // run (exit 5). JSON outputs write U+FFFD for invalid bytes; the CSV keeps the exact name.
  test::ScratchDir dir("advutf8");
  Trace t;
  t.source = "dumped by a Latin-1 script \xff";
  Stream s = make_stream(mat({{1, 0}, {0, 1}, {-1, -1}}), mat({{2, 2}}), 1.0);
  s.name = "caf\xe9_00";
  t.streams.push_back(std::move(s));
  const std::string replaced = "caf\xef\xbf\xbd_00";  // U+FFFD in UTF-8
  CertifyOptions co;
  const CertifyResult result = write_and_certify(t, dir, "latin1.h5", co);
  CHECK(result.exit_code() == 0);
  const std::string report = file_text(co.report_json);
  CHECK(report.find(replaced) != std::string::npos);
  CHECK(report.find("caf\xe9") == std::string::npos);
  CHECK(file_text(co.per_query_csv).find("\ncaf\xe9_00,0,") != std::string::npos);
  const std::string summary = summary_to_json(summarize_trace(dir.file("latin1.h5")));
  CHECK(summary.find(replaced) != std::string::npos);
  CHECK(summary.find("script \xef\xbf\xbd") != std::string::npos);
}

}  // namespace vashista
