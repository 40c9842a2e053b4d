#include "solvers/quantized_keys.hpp"
#include "solvers/key_dots.hpp"
#include <chrono>
#include <cstdio>
#include <random>
using namespace vashista;
int main(int argc, char** argv) {
  const Index n = argc > 1 ? atol(argv[1]) : 4096, d = 128;
  Matrix k(n, d);
  std::mt19937 g(1); std::normal_distribution<double> N;
  for (Index i = 0; i < n; ++i) for (Index j = 0; j < d; ++j) k(i, j) = N(g);
  Vector norms(n), v = Vector::Random(d), out(n);
  QuantizedKeys q; q.resize(n, d);
  auto t = [](auto f) { double best = 1e9; for (int r = 0; r < 50; ++r) { auto a = std::chrono::steady_clock::now(); f(); best = std::min(best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count()); } return best; };
  for (int rep = 0; rep < 2; ++rep) {
  double tn = t([&] { for (Index s = 0; s < n; s += 256) key_dots(k, s, std::min<Index>(256, n - s), std::min<Index>(256, n - s), v.data(), out.data() + s, norms.data() + s, false); });
  double tf = t([&] { for (Index s = 0; s < n; s += 256) key_dots(k, s, std::min<Index>(256, n - s), std::min<Index>(256, n - s), v.data(), out.data() + s, norms.data() + s, false, &q, nullptr); });
  double tfp = t([&] { for (Index s = 0; s < n; s += 256) key_dots(k, s, std::min<Index>(256, n - s), std::min<Index>(256, n - s), v.data(), out.data() + s, norms.data() + s, true, &q, nullptr); });
  double td = t([&] { q.dots(0, n, v.data(), out.data()); });
  double tp = t([&] { key_dots(k, 0, n, n, v.data(), out.data(), nullptr, false); });
  std::printf("n %ld: pass1 %.1f us, pass1+copy %.1f us (prefetch %.1f), copy dots %.1f us, pass %.1f us\n", n, tn, tf, tfp, td, tp);
  }
}
