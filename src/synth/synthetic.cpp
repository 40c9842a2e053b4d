#include "synth/synthetic.hpp"

#include "synth/random.hpp"

#include <Eigen/QR>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

namespace vashista {

const char* to_string(SynthKind kind) {
  switch (kind) {
    case SynthKind::hull: return "hull";
    case SynthKind::softmax: return "softmax";
    case SynthKind::random: return "random";
  }
  return "?";
}

std::vector<SynthKind> parse_synth_kinds(const std::string& text) {
  if (text == "all") return {SynthKind::hull, SynthKind::softmax, SynthKind::random};
  if (text == "hull") return {SynthKind::hull};
  if (text == "softmax") return {SynthKind::softmax};
  if (text == "random") return {SynthKind::random};
  VASHISTA_FAIL(ErrorKind::usage, "unknown stream kind '{}' (expected hull, softmax, random or all)", text);
}

uint64_t parse_seed(const std::string& text) {
  uint64_t seed = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seed);
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  VASHISTA_CHECK(digits && ec == std::errc() && ptr == end, ErrorKind::usage,
                 "--seed {}: must be a whole number in [0, {}]", text, std::numeric_limits<uint64_t>::max());
  return seed;
}

void validate(const SynthOptions& o) {
  VASHISTA_CHECK(o.n >= 2 && o.n <= (Index{1} << 26), ErrorKind::usage, "--n {} must be in [2, 2^26]", o.n);
  VASHISTA_CHECK(o.d >= 2 && o.d <= 65536, ErrorKind::usage, "--d {} must be in [2, 65536]", o.d);
  VASHISTA_CHECK(o.d_v >= 0 && o.d_v <= 65536, ErrorKind::usage, "--dv {} must be in [0, 65536]", o.d_v);
  VASHISTA_CHECK(o.queries >= 1 && o.queries <= o.n, ErrorKind::usage, "--queries {} must be in [1, n = {}]", o.queries,
                 o.n);
  VASHISTA_CHECK(o.face_size >= 1 && o.face_size < o.n, ErrorKind::usage, "--face-size {} must be in [1, n - 1 = {}]",
                 o.face_size, o.n - 1);
  const bool hull = std::find(o.kinds.begin(), o.kinds.end(), SynthKind::hull) != o.kinds.end();
  VASHISTA_CHECK(!hull || o.face_size <= o.d, ErrorKind::usage,
                 "--face-size {} must be <= d = {} for hull streams (affinely independent face)", o.face_size, o.d);
  VASHISTA_CHECK(std::isfinite(o.gap) && o.gap > 0, ErrorKind::usage, "--gap {} must be finite and > 0", o.gap);
  VASHISTA_CHECK(o.streams_per_kind >= 1 && o.streams_per_kind <= 1000, ErrorKind::usage,
                 "--streams-per-model {} must be in [1, 1000]", o.streams_per_kind);
  VASHISTA_CHECK(!o.kinds.empty(), ErrorKind::usage, "no stream kind selected");
  VASHISTA_CHECK(!o.scale || (std::isfinite(*o.scale) && *o.scale > 0), ErrorKind::usage,
                 "--scale {} must be finite and > 0", o.scale.value_or(0.0));
}

namespace {

double resolved_scale(const SynthOptions& o) {
  return o.scale ? *o.scale : 1.0 / std::sqrt(static_cast<double>(o.d));
}

void quantize_in_place(Matrix& m, StorageDtype dtype) {
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = quantize(m.data()[i], dtype);
}

Matrix gaussian(SynthRandom& rng, Index rows, Index cols, double sigma = 1.0) {
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = sigma * rng.normal();
  return m;
}

/// A random set of `count` distinct indices in [0, n), sorted (partial Fisher-Yates).
std::vector<Index> random_subset(SynthRandom& rng, Index n, Index count) {
  std::vector<Index> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), Index{0});
  for (Index i = 0; i < count; ++i) {
    const auto j = i + static_cast<Index>(rng.index(static_cast<uint64_t>(n - i)));
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(j)]);
  }
  all.resize(static_cast<size_t>(count));
  std::sort(all.begin(), all.end());
  return all;
}

/// g_i for the non-face keys: gap + 2 Exp(1), one of them exactly gap (so min_i g_i = gap).
std::vector<double> planted_gaps(SynthRandom& rng, Index count, double gap) {
  std::vector<double> g(static_cast<size_t>(count));
  for (double& v : g) v = gap + 2.0 * rng.exponential();
  g[rng.index(static_cast<uint64_t>(count))] = gap;
  return g;
}

/// The storage dtype's rounding of keys and queries moves every planted multiplier a little; when it moves a
/// gap by more than a factor 2 (a --gap near or below that rounding) the trace would not carry the gap that
/// was asked for, and generation refuses (exit code 2). nominal: the gap the construction plants before
/// rounding; realized: the exact one of the stored values (planted_delta). Called once s.planted is set.
void check_realized_gap(const Stream& s, const SynthOptions& o, const std::string& which, double nominal,
                        double realized) {
  VASHISTA_CHECK(std::isfinite(nominal) && std::isfinite(realized), ErrorKind::usage,
                 "synthetic {} stream {}: gap {} is too large (its {} {:.6g} overflows, planted {:.6g})",
                 s.planted->model, s.name, o.gap, which, realized, nominal);
  VASHISTA_CHECK(realized >= 0.5 * nominal && realized <= 2.0 * nominal, ErrorKind::usage,
                 "synthetic {} stream {}: gap {} is too small for storage dtype {} (its rounding makes {} {:.6g}, "
                 "planted {:.6g})",
                 s.planted->model, s.name, o.gap, to_string(o.dtype), which, realized, nominal);
}

/// A --gap so large that a planted key or query cannot be stored or certified is refused (exit code 2) as too
/// large: a coordinate that overflows the storage dtype, or a norm beyond ~1e154, whose square overflows
/// double (the hull certificate's limit: solvers/hull_projection.cpp). Called on the rounded keys and queries.
void check_magnitudes(const Stream& s, const SynthOptions& o, const char* model) {
  for (const Matrix* m : {&s.keys, &s.queries}) {
    const char* what = m == &s.keys ? "key" : "query";
    VASHISTA_CHECK(m->allFinite(), ErrorKind::usage,
                   "synthetic {} stream {}: gap {} (scale {:.3g}) is too large for storage dtype {} (a planted {} "
                   "overflows it)",
                   model, s.name, o.gap, resolved_scale(o), to_string(o.dtype), what);
    VASHISTA_CHECK(m->rowwise().squaredNorm().allFinite(), ErrorKind::usage,
                   "synthetic {} stream {}: gap {} (scale {:.3g}) is too large (a planted {}'s norm is beyond ~1e154, "
                   "the limit of the hull certificate)",
                   model, s.name, o.gap, resolved_scale(o), what);
  }
}

/// lambda: a non-face key's planted multiplier (hull) or score gap (softmax) of the stored data. Not finite: the
/// gap overflowed the arithmetic (too large); not > 0: the rounding moved the key onto the face (too small).
void check_key_below_face(const SynthOptions& o, const char* model, const std::string& name, Index key,
                          double lambda) {
  VASHISTA_CHECK(!std::isnan(lambda), ErrorKind::usage,
                 "synthetic {} stream {}: key {}'s planted gap is NaN (gap {}, scale {:.3g}: beyond double's range)",
                 model, name, key, o.gap, resolved_scale(o));
  VASHISTA_CHECK(std::isfinite(lambda), ErrorKind::usage,
                 "synthetic {} stream {}: gap {} is too large (key {}'s planted gap overflows to {})", model, name, o.gap,
                 key, lambda);
  VASHISTA_CHECK(lambda > 0, ErrorKind::usage,
                 "synthetic {} stream {}: gap {} is too small for storage dtype {} (key {} reaches the face)", model,
                 name, o.gap, to_string(o.dtype), key);
}

Stream base_stream(SynthKind kind, int index, const SynthOptions& o) {
  Stream s;
  s.name = fmt::format("{}_{:02d}", to_string(kind), index);
  s.layer = index;
  s.kv_head = 0;
  s.scale = resolved_scale(o);
  return s;
}

// ---- hull model ----------------------------------------------------------------------------------
Stream hull_stream(SynthRandom& rng, int index, const SynthOptions& o) {
  Stream s = base_stream(SynthKind::hull, index, o);
  const Index n = o.n, d = o.d, K = o.face_size, m = o.queries;
  const auto axis = static_cast<Index>(rng.index(static_cast<uint64_t>(d)));
  const double sigma = rng.uniform() < 0.5 ? -1.0 : 1.0;
  const std::vector<Index> face = random_subset(rng, n, K);
  std::vector<bool> in_face(static_cast<size_t>(n), false);
  for (Index f : face) in_face[static_cast<size_t>(f)] = true;
  const std::vector<double> g = planted_gaps(rng, n - K, o.gap);

  // Keys: Gaussian off the normal axis; <u, k> = 0 on the face, -g_i elsewhere (u = sigma e_axis).
  s.keys = gaussian(rng, n, d);
  size_t next_gap = 0;
  for (Index i = 0; i < n; ++i) {
    s.keys(i, axis) = in_face[static_cast<size_t>(i)] ? 0.0 : -sigma * g[next_gap++];
  }
  quantize_in_place(s.keys, o.dtype);

  // Queries: q_j = sum_f p_jf k_f + t_j u with p_j in the open simplex (p_f in [1/(3K), 3/K]).
  s.queries.resize(m, d);
  for (Index j = 0; j < m; ++j) {
    Vector p(K);
    for (Index f = 0; f < K; ++f) p(f) = 0.5 + rng.uniform();
    p /= p.sum();
    Vector q = Vector::Zero(d);
    for (Index f = 0; f < K; ++f) q += p(f) * s.keys.row(face[static_cast<size_t>(f)]).transpose();
    q(axis) += sigma * (1.0 + rng.uniform());
    s.queries.row(j) = q.transpose();
  }
  quantize_in_place(s.queries, o.dtype);
  check_magnitudes(s, o, "hull");
  if (o.d_v > 0) {
    s.values = gaussian(rng, n, o.d_v);
    quantize_in_place(s.values, o.dtype);
  }

  // Planted truth of the stored (rounded) data: x* = projection of q onto aff(F) by least squares on
  // differences (x = k_F1 + D^T beta, D rows k_Ff - k_F1), weights p = (1 - sum beta, beta),
  // r* = q - x*, lambda_i = <x* - k_i, r*>. Checked: p > 0 (x* inside the face) and lambda_i > 0 off F.
  PlantedTruth truth;
  truth.model = "hull";
  truth.face.assign(face.begin(), face.end());
  truth.gap_min = o.gap;
  truth.normal_axis = static_cast<int>(axis);
  truth.normal_sign = sigma;
  truth.offset = 0.0;
  truth.weights.resize(m, K);
  const Vector k0 = s.keys.row(face[0]).transpose();
  Matrix Dt(d, K - 1);
  for (Index f = 1; f < K; ++f) Dt.col(f - 1) = s.keys.row(face[static_cast<size_t>(f)]).transpose() - k0;
  // A face of one key has no differences: Eigen's QR of a d x 0 matrix crashed (gen --face-size 1).
  Eigen::ColPivHouseholderQR<Matrix> qr;
  if (K > 1) qr.compute(Dt);
  for (Index j = 0; j < m; ++j) {
    const Vector q = s.queries.row(j).transpose();
    Vector beta = K > 1 ? Vector(qr.solve(q - k0)) : Vector(0);
    Vector x = k0 + (K > 1 ? Vector(Dt * beta) : Vector::Zero(d));
    truth.weights(j, 0) = 1.0 - beta.sum();
    for (Index f = 1; f < K; ++f) truth.weights(j, f) = beta(f - 1);
    VASHISTA_CHECK(truth.weights.row(j).minCoeff() > 0, ErrorKind::internal,
                   "synthetic hull stream {}: query {} left its planted face after rounding", s.name, j);
    const Vector r = q - x;
    double delta = kInf;
    for (Index i = 0; i < n; ++i) {
      if (in_face[static_cast<size_t>(i)]) continue;
      const double lambda = (x - s.keys.row(i).transpose()).dot(r);
      check_key_below_face(o, "hull", s.name, i, lambda);
      delta = std::min(delta, lambda);
    }
    truth.t.push_back(sigma * r(axis));
    truth.delta.push_back(delta);
  }
  s.planted = std::move(truth);
  for (Index j = 0; j < m; ++j)  // Delta_j = t_j gap before rounding
    check_realized_gap(s, o, fmt::format("query {}'s Delta", j), s.planted->t[static_cast<size_t>(j)] * o.gap,
                       s.planted->delta[static_cast<size_t>(j)]);
  return s;
}

// ---- softmax model -------------------------------------------------------------------------------
Stream softmax_stream(SynthRandom& rng, int index, const SynthOptions& o) {
  Stream s = base_stream(SynthKind::softmax, index, o);
  const Index n = o.n, d = o.d, K = o.face_size, m = o.queries;
  const double scale = s.scale;
  const Index z = std::max<Index>(1, d / 8);
  const std::vector<Index> zero_coords = random_subset(rng, d, z);  // queries vanish here
  std::vector<bool> in_z(static_cast<size_t>(d), false);
  for (Index c : zero_coords) in_z[static_cast<size_t>(c)] = true;
  const std::vector<Index> face = random_subset(rng, n, K);
  std::vector<bool> in_face(static_cast<size_t>(n), false);
  for (Index f : face) in_face[static_cast<size_t>(f)] = true;

  // u: unit vector supported off Z. Queries q_j = (1/scale) u + z_j, z_j Gaussian(0, 1/4) off Z, z_j ⊥ u.
  Vector u = Vector::Zero(d);
  for (Index c = 0; c < d; ++c) {
    if (!in_z[static_cast<size_t>(c)]) u(c) = rng.normal();
  }
  u /= u.norm();
  s.queries.resize(m, d);
  for (Index j = 0; j < m; ++j) {
    Vector zj = Vector::Zero(d);
    for (Index c = 0; c < d; ++c) {
      if (!in_z[static_cast<size_t>(c)]) zj(c) = 0.5 * rng.normal();
    }
    zj -= zj.dot(u) * u;
    s.queries.row(j) = (u / scale + zj).transpose();
  }

  // Keys: face keys share a (Gaussian) off Z and differ on Z. Other keys: a - gamma_i u + w_i off Z,
  // w_i ⊥ u, with gamma_i = g_i + max_j scale <z_j, w_i>, so that min_j (s_F(j) - s_i(j)) = g_i.
  const Vector a = gaussian(rng, d, 1).col(0);
  const std::vector<double> g = planted_gaps(rng, n - K, o.gap);
  s.keys.resize(n, d);
  size_t next_gap = 0;
  for (Index i = 0; i < n; ++i) {
    Vector k(d);
    for (Index c = 0; c < d; ++c) k(c) = in_z[static_cast<size_t>(c)] ? rng.normal() : 0.0;
    if (in_face[static_cast<size_t>(i)]) {
      for (Index c = 0; c < d; ++c) {
        if (!in_z[static_cast<size_t>(c)]) k(c) = a(c);
      }
    } else {
      Vector w = Vector::Zero(d);
      for (Index c = 0; c < d; ++c) {
        if (!in_z[static_cast<size_t>(c)]) w(c) = rng.normal();
      }
      w -= w.dot(u) * u;
      double worst = -kInf;
      for (Index j = 0; j < m; ++j) {
        const Vector zj = s.queries.row(j).transpose() - u / scale;
        worst = std::max(worst, scale * zj.dot(w));
      }
      const double gamma = g[next_gap++] + worst;
      for (Index c = 0; c < d; ++c) {
        if (!in_z[static_cast<size_t>(c)]) k(c) = a(c) - gamma * u(c) + w(c);
      }
    }
    s.keys.row(i) = k.transpose();
  }
  quantize_in_place(s.keys, o.dtype);
  quantize_in_place(s.queries, o.dtype);
  check_magnitudes(s, o, "softmax");
  if (o.d_v > 0) {
    s.values = gaussian(rng, n, o.d_v);
    quantize_in_place(s.values, o.dtype);
  }

  // Planted truth of the stored data: exact ties on F (identical products off Z, zeros on Z), and
  // delta_j = min_{i not in F} (s_F(j) - s_i(j)), scores computed in double in index order.
  PlantedTruth truth;
  truth.model = "softmax";
  truth.face.assign(face.begin(), face.end());
  truth.gap_min = o.gap;
  for (Index j = 0; j < m; ++j) {
    const auto score = [&](Index i) {
      double acc = 0.0;
      for (Index c = 0; c < d; ++c) acc += s.queries(j, c) * s.keys(i, c);
      return scale * acc;
    };
    const double top = score(face[0]);
    double delta = kInf;
    for (Index i = 0; i < n; ++i) {
      if (in_face[static_cast<size_t>(i)]) continue;
      const double lambda = top - score(i);
      check_key_below_face(o, "softmax", s.name, i, lambda);
      delta = std::min(delta, lambda);
    }
    truth.delta.push_back(delta);
  }
  s.planted = std::move(truth);
  // min_j Delta_j = gap before rounding (one key sits exactly at the gap for its worst query)
  check_realized_gap(s, o, "min_j Delta_j", o.gap, *std::min_element(s.planted->delta.begin(), s.planted->delta.end()));
  return s;
}

// ---- random (attention-sink-like) ----------------------------------------------------------------
Stream random_stream(SynthRandom& rng, int index, const SynthOptions& o) {
  Stream s = base_stream(SynthKind::random, index, o);
  const Index n = o.n, d = o.d, m = o.queries;
  // Three heavy unit directions h_0..h_2: keys k_i = N(0, I) + sum_h c_ih h + 1.5 h_1 (common bias),
  // c_ih ~ N(0, 3^2); the sink keys 0..3 get an extra 6 h_0 (large norm, high score for most queries).
  const Index heavy = std::min<Index>(3, d);
  Matrix h = gaussian(rng, heavy, d);
  for (Index r = 0; r < heavy; ++r) h.row(r) /= h.row(r).norm();
  s.keys = gaussian(rng, n, d);
  for (Index i = 0; i < n; ++i) {
    for (Index r = 0; r < heavy; ++r) s.keys.row(i) += 3.0 * rng.normal() * h.row(r);
    if (heavy > 1) s.keys.row(i) += 1.5 * h.row(1);
    if (i < 4) s.keys.row(i) += 6.0 * h.row(0);
  }
  // Queries at the last m positions (causal): query j sees keys 0 .. n - m + j; q_j = 0.7 k_r + N(0, I)
  // + 2 h_0 for a random earlier key r.
  s.queries.resize(m, d);
  for (Index j = 0; j < m; ++j) {
    const int64_t length = static_cast<int64_t>(n - m + j + 1);
    s.query_length.push_back(length);
    s.position.push_back(length - 1);
    const auto r = static_cast<Index>(rng.index(static_cast<uint64_t>(length)));
    s.queries.row(j) = 0.7 * s.keys.row(r) + gaussian(rng, 1, d).row(0) + 2.0 * h.row(0);
  }
  quantize_in_place(s.keys, o.dtype);
  quantize_in_place(s.queries, o.dtype);
  if (o.d_v > 0) {
    s.values = gaussian(rng, n, o.d_v);
    quantize_in_place(s.values, o.dtype);
  }
  return s;
}

}  // namespace

Stream generate_synthetic_stream(SynthKind kind, int index, const SynthOptions& options) {
  validate(options);
  SynthRandom rng(mix_seed(mix_seed(options.seed) ^ (static_cast<uint64_t>(kind) << 32) ^
                           static_cast<uint64_t>(index)));
  switch (kind) {
    case SynthKind::hull: return hull_stream(rng, index, options);
    case SynthKind::softmax: return softmax_stream(rng, index, options);
    case SynthKind::random: return random_stream(rng, index, options);
  }
  VASHISTA_FAIL(ErrorKind::internal, "unknown synthetic stream kind");
}

Trace generate_synthetic(const SynthOptions& options) {
  validate(options);
  Trace trace;
  std::string kinds;
  for (SynthKind k : options.kinds) kinds += fmt::format("{}{}", kinds.empty() ? "" : ",", to_string(k));
  trace.source = fmt::format(
      "synthetic (planted face and gap): kinds={} streams_per_kind={} n={} d={} d_v={} queries={} face_size={} "
      "gap={} seed={} dtype={} scale={}",
      kinds, options.streams_per_kind, options.n, options.d, options.d_v, options.queries, options.face_size,
      options.gap, options.seed, to_string(options.dtype), resolved_scale(options));
  trace.created_by = fmt::format("vashista {} gen", VASHISTA_VERSION);
  for (SynthKind kind : options.kinds) {
    for (int i = 0; i < options.streams_per_kind; ++i) trace.streams.push_back(generate_synthetic_stream(kind, i, options));
  }
  return trace;
}

}  // namespace vashista
