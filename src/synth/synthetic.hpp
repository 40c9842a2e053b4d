#pragma once
// Seeded synthetic traces with a planted face and gap, in both models (docs/trace-format.md,
// "Synthetic traces"). Three kinds of streams:
//
// hull    (theory.md section 2). u = sigma e_a (a random signed coordinate axis). Face keys
//         F = {f_1..f_K} lie on the hyperplane <u, x> = 0, every other key has <u, k_i> = -g_i with
//         g_i >= gap (one key exactly at gap). Query j: x_j = sum_f p_jf k_f with p_j random in the
//         open simplex, q_j = x_j + t_j u, t_j in [1, 2). Then x*_j = x_j, r*_j = t_j u and
//         lambda_i = <x* - k_i, r*> = t_j g_i, so Delta_j = t_j * gap. (Using an axis for u keeps the
//         face exactly coplanar after rounding to the storage dtype.)
// softmax (theory.md section 1). Queries are zero on a random coordinate subset Z (|Z| = max(1, d/8));
//         face keys share every coordinate outside Z (and differ on Z), so their scores
//         scale <q_j, k_f> tie exactly for every query; every other key scores at least `gap` below.
// random  Gaussian keys with a few heavy directions and attention-sink keys at positions 0..3,
//         queries correlated with earlier keys, causal query_length, no planted truth.
//
// All values are rounded to the storage dtype before the planted truth is computed, so the
// planted_* attributes describe exactly the stored data (hull: the KKT multipliers of the planted
// face computed from the rounded keys and queries; softmax: the exact score differences).
#include "trace/storage_dtype.hpp"
#include "trace/trace.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vashista {

enum class SynthKind { hull, softmax, random };

const char* to_string(SynthKind kind);
/// "hull" | "softmax" | "random" | "all" (all three); Error(usage) otherwise.
std::vector<SynthKind> parse_synth_kinds(const std::string& text);

struct SynthOptions {
  Index n = 512;          // keys per stream
  Index d = 64;           // key / query dimension
  Index d_v = 64;         // value dimension (0 = no values)
  Index queries = 4;      // queries per stream (m)
  Index face_size = 4;    // |F| of the planted face (hull: <= d)
  double gap = 0.5;       // planted gap: softmax Delta in score units; hull g_min (Delta_j = t_j gap)
  int streams_per_kind = 1;
  std::vector<SynthKind> kinds = {SynthKind::hull, SynthKind::softmax, SynthKind::random};
  uint64_t seed = 1;
  StorageDtype dtype = StorageDtype::float32;  // values are rounded to this (what the file will hold)
  std::optional<double> scale;  // attention scale; none given = 1/sqrt(d)
};

/// Parses `gen --seed`: a whole number in [0, 2^64 - 1] written in decimal digits only; Error(usage) naming
/// --seed otherwise (a sign, a fraction or a value out of range is refused, never wrapped or clamped).
uint64_t parse_seed(const std::string& text);

/// Checks the options (Error(usage) naming the bad one).
void validate(const SynthOptions& options);

/// The synthetic trace: streams named "<kind>_<index>" (e.g. hull_00), layer = index, kv_head = 0,
/// planted truth in Stream::planted for hull and softmax streams. Deterministic in the options.
Trace generate_synthetic(const SynthOptions& options);

/// One stream of a given kind (stream `index` of that kind; seeds are derived from options.seed).
Stream generate_synthetic_stream(SynthKind kind, int index, const SynthOptions& options);

}  // namespace vashista
