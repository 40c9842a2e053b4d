// Session 23: one pass over n random keys (d = 128) by Eigen's gemv, by key_dots, and by key_dots with the
// row norms, 400 interleaved rounds; medians and minima (docs/benchmarks.md, "Session 23").
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I src -I/usr/include/eigen3 \
//       src/solvers/key_dots.cpp experiments/hull_vs_nnls/session23/passes.cpp -lfmt -o passes
//   passes N
#include "solvers/key_dots.hpp"
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <vector>
using namespace vashista;
int main(int argc, char** argv) {
  const Index n = std::atol(argv[1]), d = 128;
  Matrix keys = Matrix::Random(n, d);
  Vector r = Vector::Random(d), out(n), out2(n);
  using clk = std::chrono::steady_clock;
  std::vector<double> a, b, c; Vector nrm(n);
  for (int i = 0; i < 400; ++i) {
    auto t0 = clk::now(); out.noalias() = keys * r; auto t1 = clk::now();
    key_pass_dots(keys, r, out2); auto t2 = clk::now();
    auto t3 = clk::now(); key_dots(keys, 0, n, n, r.data(), out2.data(), nrm.data(), false); auto t4 = clk::now();
    c.push_back(std::chrono::duration<double, std::micro>(t4 - t3).count());
    a.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    b.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  std::sort(a.begin(), a.end()); std::sort(b.begin(), b.end()); std::sort(c.begin(), c.end()); std::printf("with norms median %.1f min %.1f\n", c[200], c[0]);
  std::printf("n %ld gemv median %.1f min %.1f | key_dots median %.1f min %.1f | maxdiff %.2e\n", (long)n, a[200], a[0], b[200], b[0], (out - out2).cwiseAbs().maxCoeff());
}
