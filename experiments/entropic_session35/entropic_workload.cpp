// Session 35: entropic solves on real and bundled traces (docs/benchmarks.md, "Entropic solves").
// Per query (every EVERY-th) of each file written by to_float64.py: the hull projection (for the face), then
// one solve_entropic_sweep per eps of EPS (softmax temperatures, hull eps = eps sqrt(d)) and one sweep over
// all of them; prints solves, unresolved solves, Newton iterations and time, and writes one line per result
// (file, query, eps, single|sweep, ln tail, its error bar, iterations, ||grad D||) to OUT.txt.
// Environment: EPS (default 0.05,0.2,1,4), PT (path_tolerance), CR (continuation_ratio).
// Build from the repository root:
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -fopenmp -I src -I/usr/include/eigen3 -I/usr/include/hdf5/serial \
//     src/solvers/*.cpp src/core/*.cpp experiments/entropic_session35/entropic_workload.cpp \
//     -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt -o /tmp/entropic_workload
#include "solvers/entropic_hull.hpp"
#include "solvers/hull_projection.hpp"
#include "../common/read_float64.hpp"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <sstream>
#include <string>
using namespace vashista;
// usage: ent2 OUT.txt EVERY file...   env EPS="0.05,0.2,1,4" PT CR
int main(int argc, char** argv) {
  using clk = std::chrono::steady_clock;
  FILE* out = std::fopen(argv[1], "w");
  int every = atoi(argv[2]);
  std::vector<double> eps_list;
  { std::stringstream ss(getenv("EPS") ? getenv("EPS") : "0.05,0.2,1,4"); std::string t; while (std::getline(ss, t, ',')) eps_list.push_back(std::stod(t)); }
  double tot = 0; long iters = 0, unresolved = 0, solves = 0;
  for (int a = 3; a < argc; ++a) {
    Matrix K = read_float64(argv[a], "keys"), Q = read_float64(argv[a], "queries"), L = read_float64(argv[a], "query_length");
    const double s = std::sqrt((double)K.cols());
    for (Index j = 0; j < Q.rows(); j += every) {
      Index n = (Index)L(j, 0); Vector q = Q.row(j).transpose();
      HullProjection p = project_onto_hull(K.topRows(n), q);
      EntropicOptions o; o.face = p.face;
      if (getenv("PT")) o.path_tolerance = atof(getenv("PT"));
      if (getenv("CR")) o.continuation_ratio = atof(getenv("CR"));
      std::vector<double> hull_eps; for (double e : eps_list) hull_eps.push_back(e * s);
      auto t0 = clk::now();
      std::vector<EntropicSolve> single;
      for (double e : hull_eps) single.push_back(solve_entropic_sweep(K.topRows(n), q, {e}, o)[0]);
      auto sweep = solve_entropic_sweep(K.topRows(n), q, hull_eps, o);
      tot += std::chrono::duration<double>(clk::now() - t0).count();
      for (std::size_t e = 0; e < hull_eps.size(); ++e) {
        for (const EntropicSolve* sv : {&single[e], &sweep[e]}) {
          ++solves; iters += sv->iterations; unresolved += sv->status != EntropicStatus::converged;
          std::fprintf(out, "%s %ld %g %s %.17g %.3g %d %.3g\n", argv[a], (long)j, eps_list[e], sv == &single[e] ? "single" : "sweep", sv->log_tail, sv->log_tail_error, sv->iterations, sv->gradient_norm);
        }
      }
    }
  }
  std::printf("solves %ld unresolved %ld iterations %ld time %.1f ms\n", solves, unresolved, iters, tot * 1e3);
  std::fclose(out);
}
