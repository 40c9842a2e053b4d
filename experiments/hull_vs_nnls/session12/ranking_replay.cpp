// Why W0's ranking costs ~5-6 us per part in the solver but ~1.2 us in a loop over one data set
// (docs/benchmarks.md, "Session 12"): the branch predictor learns a replayed data set. Ranks the best 32
// of the ~256 keys above a score cut (a pool part at n = 4096) by partial_sort on indices (the
// solver's method) and by insertion into a sorted 32-entry array, timing each call, (a) on the same
// data set every call, (b) cycling through 512 different data sets (as the solver sees: a new query
// every call). The scores of each call are read once before it is timed (in the solver the selection
// scan has just read them), so both cases rank cache-resident data.
//   g++ -std=c++20 -O3 -march=x86-64-v3 ranking_replay.cpp -o /tmp/ranking_replay && /tmp/ranking_replay
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

using Index = long;

struct DataSet {
  std::vector<double> score;  // n scores
  std::vector<Index> part;    // indices above the cut, in index order
};

static Index sink = 0;

template <class Rank>
double time_calls(const std::vector<DataSet>& sets, int calls, Rank rank) {
  std::vector<Index> work;
  double total = 0;
  for (int c = 0; c < calls; ++c) {
    const DataSet& ds = sets[static_cast<std::size_t>(c) % sets.size()];
    work = ds.part;
    double warm = 0;  // the solver's scan has just read the scores: bring them into the cache first
    for (double v : ds.score) warm += v;
    sink += warm > 1e300 ? 1 : 0;
    const auto t0 = std::chrono::steady_clock::now();
    rank(ds.score, work);
    const auto t1 = std::chrono::steady_clock::now();
    total += std::chrono::duration<double, std::micro>(t1 - t0).count();
    sink += work[0];
  }
  return total / calls;
}

int main() {
  constexpr Index n = 4096, take = 32;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  std::vector<DataSet> sets(512);
  for (auto& ds : sets) {
    ds.score.resize(n);
    for (auto& s : ds.score) s = normal(rng);
    for (Index i = 0; i < n; ++i)
      if (ds.score[static_cast<std::size_t>(i)] > 1.53) ds.part.push_back(i);  // ~1/16 of the keys
  }
  auto by_partial_sort = [&](const std::vector<double>& score, std::vector<Index>& part) {
    std::partial_sort(part.begin(), part.begin() + take, part.end(), [&](Index a, Index b) {
      return score[a] > score[b] || (score[a] == score[b] && a < b);
    });
  };
  std::vector<std::pair<double, Index>> top;
  auto by_insertion = [&](const std::vector<double>& score, std::vector<Index>& part) {
    top.clear();
    for (Index i : part) {
      const double v = score[static_cast<std::size_t>(i)];
      if (static_cast<Index>(top.size()) == take) {
        if (!(v > top.back().first)) continue;
        top.pop_back();
      }
      const auto pos = std::upper_bound(top.begin(), top.end(), v,
                                        [](double x, const std::pair<double, Index>& e) { return x > e.first; });
      top.insert(pos, {v, i});
    }
    for (Index t = 0; t < take; ++t) part[static_cast<std::size_t>(t)] = top[static_cast<std::size_t>(t)].second;
  };
  const std::vector<DataSet> one(sets.begin(), sets.begin() + 1);
  std::printf("part size ~%zu, best %ld ranked\n", sets[0].part.size(), take);
  for (int round = 0; round < 2; ++round) {
    std::printf("partial_sort: same data %.2f us, fresh data %.2f us\n", time_calls(one, 20000, by_partial_sort),
                time_calls(sets, 20000, by_partial_sort));
    std::printf("insertion:    same data %.2f us, fresh data %.2f us\n", time_calls(one, 20000, by_insertion),
                time_calls(sets, 20000, by_insertion));
  }
  return sink == 42 ? 1 : 0;
}
