#include <immintrin.h>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <random>
#include <vector>
#include <algorithm>
__attribute__((noinline)) void encA(const double* k, double a, long d, int16_t* out) {
  const __m256d scale = _mm256_set1_pd(a);
  for (long j = 0; j + 16 <= d; j += 16) {
    const __m128i c0 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j), scale));
    const __m128i c1 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j + 4), scale));
    const __m128i c2 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j + 8), scale));
    const __m128i c3 = _mm256_cvtpd_epi32(_mm256_mul_pd(_mm256_loadu_pd(k + j + 12), scale));
    _mm_storeu_si128((__m128i*)(out + j), _mm_packs_epi32(c0, c1));
    _mm_storeu_si128((__m128i*)(out + j + 8), _mm_packs_epi32(c2, c3));
  }
}
__attribute__((noinline)) void encB(const double* k, double a, long d, int16_t* out) {
  const __m256d scale = _mm256_set1_pd(a), magic = _mm256_set1_pd(0x1.8p52);
  for (long j = 0; j + 16 <= d; j += 16) {
    const __m256 z0 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j), scale, magic));
    const __m256 z1 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j + 4), scale, magic));
    const __m256 z2 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j + 8), scale, magic));
    const __m256 z3 = _mm256_castpd_ps(_mm256_fmadd_pd(_mm256_loadu_pd(k + j + 12), scale, magic));
    const __m256i lo = _mm256_castps_si256(_mm256_shuffle_ps(z0, z1, 0x88));
    const __m256i hi = _mm256_castps_si256(_mm256_shuffle_ps(z2, z3, 0x88));
    _mm256_storeu_si256((__m256i*)(out + j), _mm256_packs_epi32(lo, hi));
  }
}
int main() {
  const long d = 128; const long rows = ROWS;
  std::vector<double> k(rows * d); std::mt19937 g(1); std::normal_distribution<double> N; for (auto& x : k) x = N(g);
  std::vector<int16_t> o(rows * d), o2(rows*d);
  for (int rep = 0; rep < 3; ++rep) for (int v = 0; v < 2; ++v) {
    double best = 1e9;
    for (int r = 0; r < 200; ++r) { auto t0 = std::chrono::steady_clock::now(); for (long i = 0; i < rows; ++i) (v ? encB : encA)(k.data() + i * d, 3000.0, d, (v?o2:o).data() + i * d); best = std::min(best, std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count()); }
    std::printf("%c: %.2f ns/row\n", v ? 'B' : 'A', best / rows);
  }
  // check B's permuted order
  const int perm[16] = {0,1,4,5,8,9,12,13,2,3,6,7,10,11,14,15};
  long bad = 0; for (long i = 0; i < rows; ++i) for (long j = 0; j < d; j += 16) for (int p = 0; p < 16; ++p) bad += o2[i*d+j+p] != o[i*d+j+perm[p]];
  std::printf("mismatches %ld\n", bad);
}
