// Session 37: single solves of real traces (files of experiments/entropic_session35/to_float64.py: keys, queries,
// query_length), each query over its visible keys, three ways: plain, with the stream's norms (KeyNorms), with the
// stream's norms and 16-bit copy (QuantizedKeys; pass 1 and full pricing passes read the copy). Time per query
// against a gemv pass over the same keys (medians of REPS, one pass timed before each solve); prints per file the
// ratio quartiles of each way, the copy solve's passes over K and over the copy, statuses, and any query whose
// copy solve differs from the plain one in status or face.
// Build (repository root): g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp \
//   -I src -I/usr/include/eigen3 -I/usr/include/hdf5/serial src/solvers/*.cpp src/core/*.cpp THIS.cpp \
//   -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt -o /tmp/trace_copy_ratios
// Usage: trace_copy_ratios REPS FILE...
#include "solvers/hull_projection.hpp"
#include "solvers/key_norms.hpp"
#include "solvers/quantized_keys.hpp"
#include "../../common/read_float64.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using namespace vashista;
using clk = std::chrono::steady_clock;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
void quartiles(const char* name, std::vector<double> r) {
  std::sort(r.begin(), r.end());
  std::printf("  %-12s p25 %.2f p50 %.2f p75 %.2f p90 %.2f\n", name, r[r.size() / 4], r[r.size() / 2],
              r[3 * r.size() / 4], r[9 * r.size() / 10]);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: trace_copy_ratios REPS FILE...\n");
    return 2;
  }
  const int reps = std::atoi(argv[1]);
  const HullOptions opt;
  double sink = 0;
  for (int a = 2; a < argc; ++a) {
    const Matrix K = read_float64(argv[a], "keys"), Q = read_float64(argv[a], "queries"),
                 L = read_float64(argv[a], "query_length");
    const KeyNorms norms(K);
    const QuantizedKeys copy(K, norms);
    std::vector<double> r_single, r_norms, r_copy;
    double key_passes = 0, copy_passes = 0, plain_passes = 0;
    int differ = 0;
    std::map<std::string, int> statuses;
    HullProjection plain, with_norms, with_copy;
    for (Index j = 0; j < Q.rows(); ++j) {
      const Index n = static_cast<Index>(L(j, 0));
      const auto keys = K.topRows(n);
      const Vector q = Q.row(j).transpose();
      std::vector<double> tp, ts, tn, tc;
      Vector out(n);
      for (int k = 0; k < reps; ++k) {
        auto t0 = clk::now();
        out.noalias() = keys * q;
        tp.push_back(std::chrono::duration<double>(clk::now() - t0).count());
        sink += out[0];
        t0 = clk::now();
        project_onto_hull(keys, q, opt, plain);
        ts.push_back(std::chrono::duration<double>(clk::now() - t0).count());
        t0 = clk::now();
        project_onto_hull(keys, norms, q, opt, with_norms);
        tn.push_back(std::chrono::duration<double>(clk::now() - t0).count());
        t0 = clk::now();
        project_onto_hull(keys, norms, copy, q, opt, with_copy);
        tc.push_back(std::chrono::duration<double>(clk::now() - t0).count());
      }
      const double pass = median(tp);
      r_single.push_back(median(ts) / pass);
      r_norms.push_back(median(tn) / pass);
      r_copy.push_back(median(tc) / pass);
      plain_passes += plain.key_passes;
      key_passes += with_copy.key_passes;
      copy_passes += with_copy.copy_passes;
      statuses[to_string(plain.status)]++;
      if (with_copy.status != plain.status || with_copy.face != plain.face) ++differ;
    }
    const double m = static_cast<double>(Q.rows());
    std::printf("%s: %ld queries, d %ld; plain passes over K %.2f; copy solve: over K %.2f, over the copy %.2f; "
                "copy solves differing from plain %d;",
                argv[a], static_cast<long>(Q.rows()), static_cast<long>(K.cols()), plain_passes / m, key_passes / m,
                copy_passes / m, differ);
    for (const auto& [k, v] : statuses) std::printf(" %s=%d", k.c_str(), v);
    std::printf("\n");
    quartiles("single", r_single);
    quartiles("stream norms", r_norms);
    quartiles("stream copy", r_copy);
  }
  return sink == 12345.678 ? 1 : 0;
}
