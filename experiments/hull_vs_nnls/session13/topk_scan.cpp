// Session 13: cost of selecting the k = 32 largest of n = 4096 values in one scan (the W0 selection of
// lazy_pool_topk.patch), two ways: insertion into a sorted array of k (as in the patch), and a buffer of
// 2k + 32 candidates trimmed by nth_element. SETS data sets of normal values are cycled (SETS = 1: one
// cache-resident set; 512: 16 MiB, read from memory). Output: us per call, checked against a full sort.
//   g++ -O3 -march=x86-64-v3 -DSETS=1 topk_scan.cpp -o topk_scan && taskset -c 1 ./topk_scan
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#ifndef SETS
#define SETS 1
#endif

using Index = long;
constexpr double kInf = std::numeric_limits<double>::infinity();

__attribute__((noinline)) void top_by_insertion(const double* value, Index n, Index k, std::vector<double>& values,
                                                std::vector<Index>& keys) {
  values.clear();
  keys.clear();
  double bar = -kInf;
  for (Index i = 0; i < n; ++i) {
    const double v = value[i];
    if (!(v > bar)) continue;
    if (static_cast<Index>(values.size()) < k) {
      values.push_back(v);
      keys.push_back(i);
    } else {
      values.back() = v;
      keys.back() = i;
    }
    for (std::size_t t = values.size() - 1; t > 0 && values[t - 1] < values[t]; --t) {
      std::swap(values[t - 1], values[t]);
      std::swap(keys[t - 1], keys[t]);
    }
    if (static_cast<Index>(values.size()) == k) bar = values.back();
  }
}

__attribute__((noinline)) void top_by_buffer(const double* value, Index n, Index k,
                                             std::vector<std::pair<double, Index>>& buffer, std::vector<Index>& keys) {
  buffer.clear();
  keys.clear();
  auto better = [](const std::pair<double, Index>& a, const std::pair<double, Index>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  const std::size_t keep = static_cast<std::size_t>(k), capacity = 2 * keep + 32;
  auto trim = [&] {
    std::nth_element(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(keep - 1), buffer.end(), better);
    buffer.resize(keep);
  };
  double bar = -kInf;
  for (Index i = 0; i < n; ++i) {
    if (!(value[i] > bar)) continue;
    buffer.emplace_back(value[i], i);
    if (buffer.size() == capacity) {
      trim();
      bar = buffer[keep - 1].first;
    }
  }
  if (buffer.size() > keep) trim();
  std::sort(buffer.begin(), buffer.end(), better);
  for (const auto& entry : buffer) keys.push_back(entry.second);
}

int main() {
  constexpr Index n = 4096, k = 32;
  constexpr int reps = 4;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  std::vector<std::vector<double>> data(SETS, std::vector<double>(n));
  for (auto& set : data)
    for (auto& x : set) x = normal(rng);
  std::vector<double> values;
  std::vector<std::pair<double, Index>> buffer;
  std::vector<Index> keys;
  for (int method = 0; method < 2; ++method) {
    double seconds = 0;
    for (int rep = 0; rep < reps; ++rep)
      for (const auto& set : data) {
        const auto start = std::chrono::steady_clock::now();
        if (method == 0)
          top_by_insertion(set.data(), n, k, values, keys);
        else
          top_by_buffer(set.data(), n, k, buffer, keys);
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::vector<double> sorted(set);
        std::partial_sort(sorted.begin(), sorted.begin() + k, sorted.end(), std::greater<double>());
        for (Index t = 0; t < k; ++t)
          if (sorted[t] != set[keys[t]]) {
            std::printf("wrong selection\n");
            return 1;
          }
      }
    std::printf("%s: %.2f us per call (n = %ld, k = %ld, %d data sets)\n", method == 0 ? "insertion" : "buffer",
                1e6 * seconds / (reps * SETS), n, k, SETS);
  }
}
