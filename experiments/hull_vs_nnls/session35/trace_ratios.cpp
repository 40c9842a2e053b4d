// Session 35: single-solve time per query of real traces (files of experiments/entropic_session35/to_float64.py:
// keys, queries, query_length), each query over its visible keys, against a gemv pass over the same keys (median
// of REPS); prints per file the total time, full and screened passes, statuses and the ratio quartiles.
// Usage: trace_ratios REPS FILE...  (build line as per_query_ratios.cpp)
#include "solvers/hull_projection.hpp"
#include "../../common/read_float64.hpp"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <map>
using namespace vashista;
int main(int argc, char** argv) {
  int reps = atoi(argv[1]);
  HullOptions opt;
  using clk = std::chrono::steady_clock;
  for (int a = 2; a < argc; ++a) {
    Matrix K = read_float64(argv[a], "keys"), Q = read_float64(argv[a], "queries"), L = read_float64(argv[a], "query_length");
    HullProjection res; double tot = 0; std::vector<double> ratios, pp, sp; long passes = 0, screened = 0, major = 0; std::map<std::string,int> st;
    for (Index j = 0; j < Q.rows(); ++j) {
      Index n = (Index)L(j, 0); Vector q = Q.row(j).transpose();
      std::vector<double> ts;
      for (int k = 0; k < reps; ++k) { auto t0 = clk::now(); project_onto_hull(K.topRows(n), q, opt, res); ts.push_back(std::chrono::duration<double>(clk::now()-t0).count()); }
      std::sort(ts.begin(), ts.end()); tot += ts[reps/2];
      { Vector out(n); std::vector<double> ps; for (int k = 0; k < reps; ++k) { auto t0 = clk::now(); out.noalias() = K.topRows(n) * q; ps.push_back(std::chrono::duration<double>(clk::now()-t0).count()); }
        std::sort(ps.begin(), ps.end()); ratios.push_back(ts[reps/2] / ps[reps/2]); pp.push_back(res.key_passes + 0.0); sp.push_back(res.screened_passes); }
      passes += res.key_passes; screened += res.screened_passes; major += res.major_iterations; st[to_string(res.status)]++;
    }
    std::printf("%s: total %.2f ms passes %ld screened %ld major %ld", argv[a], tot*1e3, passes, screened, major);
    for (auto& [k,v] : st) std::printf(" %s=%d", k.c_str(), v);
    std::sort(ratios.begin(), ratios.end()); std::printf(" ratio p25 %.2f p50 %.2f p75 %.2f p90 %.2f\n", ratios[ratios.size()/4], ratios[ratios.size()/2], ratios[3*ratios.size()/4], ratios[9*ratios.size()/10]);
  }
}
