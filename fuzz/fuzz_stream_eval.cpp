// libFuzzer harness: a small stream built in memory from the input bytes (what the reader could
// return: finite values, 1 <= query_length <= n, scale finite > 0), evaluated under both models at
// one to three temperatures and, from a flag, in auto mode. Keys are drawn so that ties, duplicate
// keys, tiny relative gaps (1e-14), huge and tiny norms (1e+-150, up to 1e300) and low-dimensional
// (affinely dependent) configurations are common. Every row must pass fuzz/record_invariants.hpp, and the
// hull projection's screening paths must agree with full pricing (check_hull_paths).
#include "analysis/stream_evaluation.hpp"
#include "core/error.hpp"
#include "solvers/hull_projection.hpp"
#include "record_invariants.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

double draw_value(FuzzedDataProvider& in, double magnitude, const vashista::Matrix& keys, vashista::Index row,
                  vashista::Index col) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: return static_cast<double>(in.ConsumeIntegralInRange<int>(-3, 3)) * magnitude;
    case 1:  // duplicate of an earlier key's coordinate (duplicate keys, ties)
      if (row > 0) return keys(in.ConsumeIntegralInRange<vashista::Index>(0, row - 1), col);
      return magnitude;
    case 2: return (1.0 + 1e-14 * in.ConsumeIntegralInRange<int>(-4, 4)) * magnitude;
    case 3: return in.ConsumeFloatingPointInRange<double>(-1.0, 1.0) * magnitude;
    case 4: return 0.0;
    default: return std::ldexp(in.ConsumeFloatingPointInRange<double>(-1.0, 1.0), in.ConsumeIntegralInRange<int>(-60, 60)) * magnitude;
  }
}

// True when every key of `sub` is in `super` (both sorted).
bool contains(const std::vector<vashista::Index>& super, const std::vector<vashista::Index>& sub) {
  return std::includes(super.begin(), super.end(), sub.begin(), sub.end());
}

// Differential check of the hull projection's screening paths: with a working set of one key (one added
// per pricing) most keys are certified by the query-axis bound or priced as the candidate pool; without
// screening every pricing pass is full; with the stream's norms and 16-bit copy (solvers/quantized_keys.hpp)
// pass 1 and the full pricing passes read the copy. Both results carry rigorous bars on the same exact multipliers,
// so the bars must overlap on every key. Faces (hull_projection.hpp): every face F contains the true
// face, and a face_exact one is the true face; so an exact face lies inside every other certified or
// ambiguous face, two exact faces are equal with overlapping Delta intervals, and Delta_F of a larger
// face is >= the true Delta (its upper end cannot fall below the exact result's lower end).
void check_hull_paths(const vashista::Stream& s) {
  using vashista::HullStatus;
  using vashista::Index;
  vashista::HullOptions small;
  small.initial_working_set = 1;
  small.max_added_per_pass = 1;
  vashista::HullOptions full = small;
  full.screening = false;
  for (Index j = 0; j < s.queries.rows(); ++j) {
    const auto keys = s.keys.topRows(s.visible_keys(j));
    const vashista::Vector q = s.queries.row(j).transpose();
    const auto a = vashista::project_onto_hull(keys, q, small);
    const auto b = vashista::project_onto_hull(keys, q, full);
    const vashista::KeyNorms norms(keys);
    const vashista::QuantizedKeys copy(keys, norms);
    vashista::HullProjection c;
    vashista::project_onto_hull(keys, norms, copy, q, small, c);
    bool ok = true;
    for (Index i = 0; i < keys.rows(); ++i)
      ok = ok && std::abs(a.lambda[i] - b.lambda[i]) <= a.lambda_error[i] + b.lambda_error[i] &&
           std::abs(c.lambda[i] - b.lambda[i]) <= c.lambda_error[i] + b.lambda_error[i];
    auto has_face = [](const vashista::HullProjection& h) {
      return h.status == HullStatus::certified || h.status == HullStatus::face_ambiguous;
    };
    auto check_pair = [&](const vashista::HullProjection& exact, const vashista::HullProjection& other) {
      if (!exact.face_exact || exact.status != HullStatus::certified || !has_face(other)) return;
      ok = ok && contains(other.face, exact.face);
      if (other.face_exact) ok = ok && other.face == exact.face;
      if (std::isfinite(exact.delta) && std::isfinite(other.delta)) ok = ok && other.delta_hi >= exact.delta_lo;
      if (other.face_exact && std::isfinite(exact.delta))
        ok = ok && exact.delta_lo <= other.delta_hi && other.delta_lo <= exact.delta_hi;
    };
    check_pair(a, b);
    check_pair(b, a);
    check_pair(c, b);
    check_pair(b, c);
    if (!ok) {
      std::fprintf(stderr,
                   "hull paths disagree on query %lld (n %lld): %s (screened keys %lld, face %zu, %s) vs %s (face %zu, "
                   "%s) vs from the copy %s (screened keys %lld, face %zu, %s)\n",
                   static_cast<long long>(j), static_cast<long long>(keys.rows()), vashista::to_string(a.status),
                   static_cast<long long>(a.screened_keys), a.face.size(),
                   a.face_exact ? "exact" : "contains the face", vashista::to_string(b.status), b.face.size(),
                   b.face_exact ? "exact" : "contains the face", vashista::to_string(c.status),
                   static_cast<long long>(c.screened_keys), c.face.size(), c.face_exact ? "exact" : "contains the face");
      // The instance, exactly (hex floats), for a unit test.
      for (Index i = 0; i < keys.rows(); ++i) {
        std::fprintf(stderr, "key %lld:", static_cast<long long>(i));
        for (Index col = 0; col < keys.cols(); ++col) std::fprintf(stderr, " %a", keys(i, col));
        std::fprintf(stderr, "  lambda %a +- %a | %a +- %a | %a +- %a\n", a.lambda[i], a.lambda_error[i], b.lambda[i],
                     b.lambda_error[i], c.lambda[i], c.lambda_error[i]);
      }
      std::fprintf(stderr, "query:");
      for (Index col = 0; col < q.size(); ++col) std::fprintf(stderr, " %a", q[col]);
      std::fprintf(stderr, "\n");
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  using vashista::Index;
  const Index n = in.ConsumeIntegralInRange<Index>(1, 40);
  const Index d = in.ConsumeIntegralInRange<Index>(1, 10);
  const Index m = in.ConsumeIntegralInRange<Index>(1, 3);
  static const double kMagnitudes[] = {1.0, 1e-150, 1e150, 1e-300, 1e300, 1e-14, 1e14, 0.5};
  const double key_mag = kMagnitudes[in.ConsumeIntegralInRange<int>(0, 7)];
  const double query_mag = kMagnitudes[in.ConsumeIntegralInRange<int>(0, 7)];
  const bool causal = in.ConsumeBool();
  const bool auto_eps = in.ConsumeBool();
  vashista::Stream s;
  s.name = "fuzz";
  s.keys.resize(n, d);
  s.queries.resize(m, d);
  s.scale = in.ConsumeBool() ? 1.0 / std::sqrt(static_cast<double>(d)) : kMagnitudes[in.ConsumeIntegralInRange<int>(0, 7)];
  for (Index i = 0; i < n; ++i)
    for (Index c = 0; c < d; ++c) s.keys(i, c) = draw_value(in, key_mag, s.keys, i, c);
  for (Index j = 0; j < m; ++j) {
    const int mode = in.ConsumeIntegralInRange<int>(0, 2);
    const Index src = in.ConsumeIntegralInRange<Index>(0, n - 1);
    for (Index c = 0; c < d; ++c) {
      if (mode == 0) s.queries(j, c) = s.keys(src, c);  // q exactly on a vertex
      else if (mode == 1) s.queries(j, c) = 0.5 * (s.keys(src, c) + s.keys(0, c));  // on an edge/inside
      else s.queries(j, c) = in.ConsumeFloatingPointInRange<double>(-1.0, 1.0) * query_mag;
    }
    if (causal) s.query_length.push_back(in.ConsumeIntegralInRange<int64_t>(1, n));
  }
  vashista::EvaluationPlan plan;
  plan.eps.clear();
  const int eps_count = in.ConsumeIntegralInRange<int>(1, 3);
  static const double kEps[] = {1.0, 1e-3, 1e-8, 1e3, 1e-300, 1e300, 0.1, 1e-14};
  for (int e = 0; e < eps_count; ++e) plan.eps.push_back(kEps[in.ConsumeIntegralInRange<int>(0, 7)]);
  plan.auto_eps = auto_eps;
  plan.auto_eps_count = 4;
  if (std::getenv("VASHISTA_FUZZ_DUMP")) {  // replay aid: print the stream of this input
    std::fprintf(stderr, "n %lld d %lld m %lld scale %.17g auto %d eps", static_cast<long long>(n),
                 static_cast<long long>(d), static_cast<long long>(m), s.scale, auto_eps ? 1 : 0);
    for (double e : plan.eps) std::fprintf(stderr, " %.17g", e);
    std::fprintf(stderr, "\n");
    for (Index i = 0; i < n; ++i) {
      std::fprintf(stderr, "k%lld", static_cast<long long>(i));
      for (Index c = 0; c < d; ++c) std::fprintf(stderr, " %.17g", s.keys(i, c));
      std::fprintf(stderr, "\n");
    }
    for (Index j = 0; j < m; ++j) {
      std::fprintf(stderr, "q%lld len %lld", static_cast<long long>(j), static_cast<long long>(s.visible_keys(j)));
      for (Index c = 0; c < d; ++c) std::fprintf(stderr, " %.17g", s.queries(j, c));
      std::fprintf(stderr, "\n");
    }
  }
  try {
    for (const auto& r : vashista::evaluate_stream(s, plan, 1, nullptr)) vashista::fuzz::check_record(r);
    check_hull_paths(s);
  } catch (const vashista::Error& e) {
    // A clear error is a defined outcome for inputs such as overflowing scores; an internal error is not.
    if (e.kind() == vashista::ErrorKind::internal) {
      std::fprintf(stderr, "internal error: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
