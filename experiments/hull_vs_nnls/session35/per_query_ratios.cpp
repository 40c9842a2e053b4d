// Session 35: per-query single-solve time in passes (Eigen gemv K r over the same keys, median of 21, one
// before each solve) on an instance file of compare.py's recipe (keys, queries; session34/scripts/mk.py), with
// status, face size, full and screened passes, Wolfe major cycles. FRAC sets HullOptions::screening_fraction.
// Build (repository root): g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp \
//   -I src -I/usr/include/eigen3 -I/usr/include/hdf5/serial src/solvers/*.cpp src/core/*.cpp THIS.cpp \
//   -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt -o /tmp/per_query_ratios
#include "solvers/hull_projection.hpp"
#include "solvers/key_dots.hpp"
#include "../../common/read_float64.hpp"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
using namespace vashista;
int main(int argc, char** argv) {
  Matrix K = read_float64(argv[1], "keys"), Q = read_float64(argv[1], "queries");
  int reps = argc > 2 ? atoi(argv[2]) : 9;
  HullOptions opt; if (getenv("FRAC")) opt.screening_fraction = atof(getenv("FRAC"));
  using clk = std::chrono::steady_clock;
  Vector r = Q.row(0).transpose(), out(K.rows());
  auto pass = [&]{ auto t0 = clk::now(); out.noalias() = K * r; return std::chrono::duration<double>(clk::now()-t0).count(); };
  std::vector<double> ps; for (int i = 0; i < 21; ++i) ps.push_back(pass()); std::sort(ps.begin(), ps.end()); double p = ps[10];
  HullProjection res; double tot = 0;
  std::vector<double> ratios;
  for (Index j = 0; j < Q.rows(); ++j) {
    std::vector<double> ts; Vector q = Q.row(j).transpose();
    for (int k = 0; k < reps; ++k) { pass(); auto t0 = clk::now(); project_onto_hull(K, q, opt, res); ts.push_back(std::chrono::duration<double>(clk::now()-t0).count()); }
    std::sort(ts.begin(), ts.end()); double t = ts[reps/2]; ratios.push_back(t/p);
    std::printf("q%ld face %zu %s passes %d screened %d major %d ratio %.2f\n", (long)j, res.face.size(), to_string(res.status), res.key_passes, res.screened_passes, res.major_iterations, t / p);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("pass %.1f us median ratio %.2f\n", p*1e6, (ratios[3]+ratios[4])/2);
}
