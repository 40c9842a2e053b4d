#include "solvers/distinct_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>

namespace vashista {

namespace {

// 64-bit hash of a row's values (FNV-1a over the bit patterns, each value + 0.0 so that -0.0 hashes as 0.0;
// a NaN never equals itself, so rows holding one are never merged, whatever their hash).
std::uint64_t row_hash(const double* row, Index d) {
  std::uint64_t h = 1469598103934665603ull;
  for (Index j = 0; j < d; ++j) {
    const double v = row[j] + 0.0;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    h = (h ^ bits) * 1099511628211ull;
    h ^= h >> 29;
  }
  return h;
}

// The same hash over at most 8 coordinates spread over the row: equal rows have equal samples, so when no
// sample hash repeats no row does (the common case, decided in O(8 n) instead of hashing all n d values).
std::uint64_t sample_hash(const double* row, Index d) {
  if (d <= 8) return row_hash(row, d);
  double sample[8];
  for (Index k = 0; k < 8; ++k) sample[k] = row[k * d / 8];
  return row_hash(sample, 8);
}

// True when some value occurs twice (open addressing, linear probing, table of >= 2 n slots).
bool any_repeat(const std::vector<std::uint64_t>& values) {
  std::size_t size = 16;
  while (size < 2 * values.size()) size *= 2;
  std::vector<std::uint64_t> table(size);
  std::vector<char> used(size, 0);
  for (std::uint64_t v : values) {
    std::size_t slot = static_cast<std::size_t>((v * 0x9E3779B97F4A7C15ull) >> 20) & (size - 1);
    while (used[slot]) {
      if (table[slot] == v) return true;
      slot = (slot + 1) & (size - 1);
    }
    used[slot] = 1;
    table[slot] = v;
  }
  return false;
}

bool rows_equal(const Eigen::Ref<const Matrix>& keys, Index a, Index b) {
  return (keys.row(a).array() == keys.row(b).array()).all();
}

}  // namespace

DistinctRows distinct_rows(const Eigen::Ref<const Matrix>& keys) {
  const Index n = keys.rows(), d = keys.cols();
  DistinctRows out;
  std::vector<std::uint64_t> hash(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) hash[static_cast<std::size_t>(i)] = sample_hash(keys.row(i).data(), d);
  if (!any_repeat(hash)) return out;  // the common case: every row distinct
  for (Index i = 0; i < n; ++i) hash[static_cast<std::size_t>(i)] = row_hash(keys.row(i).data(), d);
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  std::sort(order.begin(), order.end(), [&](Index a, Index b) {
    const auto ha = hash[static_cast<std::size_t>(a)], hb = hash[static_cast<std::size_t>(b)];
    return ha != hb ? ha < hb : a < b;  // within a hash, by index: the first occurrence leads
  });
  // representative[i]: the first row (smallest index) equal to row i
  std::vector<Index> representative(static_cast<std::size_t>(n));
  std::iota(representative.begin(), representative.end(), Index{0});
  bool any = false;
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    while (end < order.size() && hash[static_cast<std::size_t>(order[end])] == hash[static_cast<std::size_t>(order[begin])]) ++end;
    if (end - begin > 1) {
      std::vector<Index> leaders;  // distinct rows of this hash run (collisions are rare: usually one)
      for (std::size_t s = begin; s < end; ++s) {
        const Index i = order[s];
        const auto match = std::find_if(leaders.begin(), leaders.end(), [&](Index l) { return rows_equal(keys, l, i); });
        if (match == leaders.end()) {
          leaders.push_back(i);
        } else {
          representative[static_cast<std::size_t>(i)] = *match;
          any = true;
        }
      }
    }
    begin = end;
  }
  if (!any) return out;
  out.merged = true;
  out.distinct_of.assign(static_cast<std::size_t>(n), 0);
  std::vector<Index> slot(static_cast<std::size_t>(n), -1);
  std::vector<Index> first_rows;
  for (Index i = 0; i < n; ++i) {
    const Index r = representative[static_cast<std::size_t>(i)];
    if (r == i) {
      slot[static_cast<std::size_t>(i)] = static_cast<Index>(first_rows.size());
      first_rows.push_back(i);
    }
    out.distinct_of[static_cast<std::size_t>(i)] = slot[static_cast<std::size_t>(r)];
  }
  const Index m = static_cast<Index>(first_rows.size());
  out.rows.resize(m, d);
  out.multiplicity = Vector::Zero(m);
  for (Index u = 0; u < m; ++u) out.rows.row(u) = keys.row(first_rows[static_cast<std::size_t>(u)]);
  for (Index i = 0; i < n; ++i) out.multiplicity[out.distinct_of[static_cast<std::size_t>(i)]] += 1;
  return out;
}

}  // namespace vashista
