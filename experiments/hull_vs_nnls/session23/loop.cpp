// Session 23: single solves of every query of an instance for SECONDS, median and minimum per solve next to
// the median of 41 Eigen gemv passes K r (docs/benchmarks.md, "Session 23").
//   g++ -std=c++20 -O3 -g -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I src -I/usr/include/eigen3 \
//       -I/usr/include/hdf5/serial src/solvers/{min_norm_point,key_dots,key_norms,hull_projection}.cpp \
//       experiments/hull_vs_nnls/session23/loop.cpp -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt -o loop
//   loop INSTANCE.h5 SECONDS      (datasets /keys n x d and /queries m x d, float64)
#include "solvers/hull_projection.hpp"
#include "solvers/key_dots.hpp"
#include <hdf5.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <vector>
using namespace vashista;
static Matrix read_matrix(hid_t file, const char* name) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(space, dims, nullptr);
  Matrix m(static_cast<Index>(dims[0]), static_cast<Index>(dims[1]));
  H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data());
  H5Sclose(space); H5Dclose(set);
  return m;
}
int main(int argc, char** argv) {
  const hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  Matrix keys = read_matrix(file, "keys"), queries = read_matrix(file, "queries");
  H5Fclose(file);
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  HullOptions opt;
  HullProjection res;
  using clk = std::chrono::steady_clock;
  // pass time
  Vector r = Vector::Random(keys.cols()), out(keys.rows());
  std::vector<double> pt;
  for (int i = 0; i < 41; ++i) { auto t0 = clk::now(); out.noalias() = keys * r; pt.push_back(std::chrono::duration<double>(clk::now() - t0).count()); }
  std::sort(pt.begin(), pt.end());
  long solves = 0; std::vector<double> times;
  auto start = clk::now();
  while (std::chrono::duration<double>(clk::now() - start).count() < seconds) {
    for (Index j = 0; j < queries.rows(); ++j) {
      auto t0 = clk::now();
      project_onto_hull(keys, queries.row(j).transpose(), opt, res);
      times.push_back(std::chrono::duration<double>(clk::now() - t0).count());
      ++solves;
    }
  }
  std::sort(times.begin(), times.end());
  std::printf("pass %.1f us  solve median %.1f us min %.1f  ratio %.2f  solves %ld status %s passes %d\n", pt[20]*1e6, times[times.size()/2]*1e6, times[0]*1e6, times[times.size()/2]/pt[20], solves, to_string(res.status), res.key_passes);
}
