// Session 24: which way a process decides to prefetch its passes (plan_pass_prefetch), after solving the
// queries of an instance for a while. Prints the decisions for pass 1 (with norms) and the pricing pass.
// Build (from the repository root, REV's sources):
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I src \
//     -I/usr/include/eigen3 -I/usr/include/hdf5/serial src/solvers/{min_norm_point,key_dots,key_norms,hull_projection}.cpp \
//     experiments/hull_vs_nnls/session24/decisions.cpp -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt -o decisions
// Run: OMP_NUM_THREADS=1 taskset -c 1 ./decisions IN.h5 SECONDS
#include "solvers/hull_projection.hpp"
#include "solvers/key_dots.hpp"

#include <hdf5.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace vashista;

static Matrix read_matrix(hid_t file, const char* name) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  hsize_t dims[2];
  H5Sget_simple_extent_dims(space, dims, nullptr);
  std::vector<double> buffer(dims[0] * dims[1]);
  H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
  H5Sclose(space);
  H5Dclose(set);
  return Eigen::Map<const Matrix>(buffer.data(), static_cast<Index>(dims[0]), static_cast<Index>(dims[1]));
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return 3;
  const Matrix keys = read_matrix(file, "/keys"), queries = read_matrix(file, "/queries");
  H5Fclose(file);
  const double seconds = std::atof(argv[2]);
  HullProjection h;
  long solves = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds)
    for (Index j = 0; j < queries.rows(); ++j, ++solves) project_onto_hull(keys, queries.row(j).transpose(), HullOptions{}, h);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double bytes = key_bytes(keys, keys.rows());
  const PassPrefetch with_norms = plan_pass_prefetch(bytes, true), plain = plan_pass_prefetch(bytes, false);
  std::printf("pass1_prefetch %d decided %d pricing_prefetch %d decided %d solves %ld us_per_solve %.1f\n",
              with_norms.prefetch, !with_norms.timed, plain.prefetch, !plain.timed, solves, elapsed / solves * 1e6);
  return 0;
}
