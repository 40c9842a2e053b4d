#pragma once
// Seeded random numbers that are the same on every platform: std::mt19937_64 (its output sequence
// is fixed by the C++ standard) with our own transforms, because the standard distributions
// (std::normal_distribution, std::uniform_real_distribution) are implementation-defined.
#include <cmath>
#include <cstdint>
#include <random>

namespace vashista {

/// splitmix64 finaliser: decorrelates derived seeds (seed, kind, stream index) -> engine seed.
inline uint64_t mix_seed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class SynthRandom {
 public:
  explicit SynthRandom(uint64_t seed) : engine_(seed) {}

  /// Uniform in the open interval (0, 1): (k + 1/2) 2^-53 with k the top 53 bits.
  double uniform() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53; }
  /// Uniform integer in [0, count).
  uint64_t index(uint64_t count) {
    const auto k = static_cast<uint64_t>(uniform() * static_cast<double>(count));
    return k < count ? k : count - 1;
  }
  /// Standard normal by Box-Muller: z = sqrt(-2 ln u1) cos(2 pi u2) (the sine partner is cached).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double radius = std::sqrt(-2.0 * std::log(uniform()));
    const double angle = 2.0 * 3.14159265358979323846 * uniform();
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }
  /// Exponential with mean 1: -ln u.
  double exponential() { return -std::log(uniform()); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace vashista
