// Times vashista's certified hull projection on instances written by compare.py.
//   time_hull IN.h5 REPEATS  ->  JSON on stdout
// IN.h5 holds /keys (n x d, float64) and /queries (m x d, float64). For every query: status, face,
// Delta interval, key passes and the median time of `REPEATS` single solves (time_s: the plain call,
// key norms computed in pass 1, a fresh result each time), and of `REPEATS` single solves with the
// stream's key norms computed once (KeyNorms, timed separately as norms_s) into a reused result
// (time_stream_s: a decoding loop), and of `REPEATS` single solves with the stream's norms and its 16-bit
// copy of the keys (QuantizedKeys, timed separately as copy_s; time_stream_copy_s: its pass 1 and full pricing passes
// read the copy); then the median time of `REPEATS` batch solves of all m queries
// (reported per query). Each kind of call is made once untimed before its timed ones (first-call costs:
// the solver's per-thread states and buffers, page faults). One warm-up is not enough on the AMD
// development box, where a batch needs ~10 calls to reach its steady state: use REPEATS = 15 there (far
// n = 4096 batch: 120-158 us per query with 3 repeats, 92-98 with 15; docs/benchmarks.md "Session 22").
// The reference pass (pass_s) is timed between the solves: before every repetition of a query's single
// solves and of the batch solve, one Eigen gemv pass and one pass of the library's kernel; pass_s is the
// smaller of the two medians, so that the pass and the solves it divides sample the same stretch of the
// machine's time (on the GPU hosts a pass over n = 4096 keys measured 164-217 us from run to run while the
// solves' times stayed put: docs/benchmarks.md, "Session 28"). pass_before_s is the estimate used until
// session 27: the same medians over 21 passes made before any solve. Each timed group is an untimed
// ascending pass, the gemv and the library pass (both ascending), the library's kernel by blocks from the
// last to the first (pass_descending_s: a pass that starts on the rows read last, as the solver's full
// pricing pass after its pass 1) and one more untimed ascending pass, so that the timed passes and the
// solves always follow an ascending pass whatever the solver's last pass was (session 29; until session 30
// the stream-norms solve came right after the single solve, whose descending pricing pass ends on the rows
// that its pass 1 reads first: at n = 4096 that made time_stream_s 0.2-0.45 pass shorter than it is;
// docs/benchmarks.md, "Session 30").
// prefetch_plain and prefetch_norms: the process's pass-prefetch decisions for the keys at the end
// (solvers/key_dots.hpp), which are taken from timed passes in each process and change a pass's speed.
#include "solvers/hull_projection.hpp"
#include "solvers/key_dots.hpp"
#include "solvers/key_norms.hpp"
#include "solvers/quantized_keys.hpp"

#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace vashista;

static Matrix read_matrix(hid_t file, const char* name) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  if (set < 0) throw std::runtime_error(std::string("missing dataset ") + name);
  const hid_t space = H5Dget_space(set);
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(space, dims, nullptr);
  Matrix m(static_cast<Index>(dims[0]), static_cast<Index>(dims[1]));
  H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data());  // row-major, like HDF5
  H5Sclose(space);
  H5Dclose(set);
  return m;
}

static std::string num(double x) {  // JSON number (NaN as the token NaN, which Python's json reads)
  if (x != x) return "NaN";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

static double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: time_hull IN.h5 REPEATS\n");
    return 2;
  }
  const hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return 3;
  const Matrix keys = read_matrix(file, "/keys");
  const Matrix queries = read_matrix(file, "/queries");
  H5Fclose(file);
  const int repeats = std::max(1, std::atoi(argv[2]));
  using clock = std::chrono::steady_clock;

  // One pass K v: the faster of Eigen's gemv and the library's prefetching pass (solvers/key_dots.hpp),
  // alternated so that both see the same machine state.
  std::vector<double> gemv_times, dots_times, back_times;
  Vector out(keys.rows());
  double sink = 0;
  auto time_passes = [&](const Vector& v) {
    key_pass_dots(keys, v, out);  // untimed: the timed passes below always follow an ascending pass
    sink += out[0];
    auto t0 = clock::now();
    out.noalias() = keys * v;
    gemv_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    sink += out[0];
    t0 = clock::now();
    key_pass_dots(keys, v, out);
    dots_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    sink += out[0];
    // The same kernel by blocks of 256 rows from the last block to the first, right after the ascending
    // pass: a pass that starts on the rows read last (as the solver's alternating passes do).
    t0 = clock::now();
    for (Index start = (keys.rows() - 1) / 256 * 256; start >= 0; start -= 256) {
      const Index len = std::min<Index>(256, keys.rows() - start);
      key_dots(keys, start, len, len, v.data(), out.data() + start, nullptr, false);
    }
    back_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    key_pass_dots(keys, v, out);  // untimed: the solve timed next follows an ascending pass
    sink += out[0];
  };
  for (int r = 0; r < 21; ++r) time_passes(queries.row(r % queries.rows()).transpose());
  const double gemv_before_s = median(gemv_times), dots_before_s = median(dots_times);
  gemv_times.clear();
  dots_times.clear();
  back_times.clear();
  std::vector<double> norm_times;
  KeyNorms norms(keys);  // warm-up (untimed)
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = clock::now();
    norms = KeyNorms(keys);
    norm_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  std::vector<double> copy_times;
  QuantizedKeys copy(keys, norms);  // warm-up (untimed)
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = clock::now();
    copy = QuantizedKeys(keys, norms);
    copy_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  HullProjection reused, reused_copy;
  {  // warm-up (untimed) of the three single-solve calls
    const HullProjection h = project_onto_hull(keys, queries.row(0).transpose());
    project_onto_hull(keys, norms, queries.row(0).transpose(), HullOptions{}, reused);
    project_onto_hull(keys, norms, copy, queries.row(0).transpose(), HullOptions{}, reused_copy);
    sink += h.residual_norm;
  }
  std::string query_lines;  // printed after the header, which needs the interleaved passes' medians
  for (Index j = 0; j < queries.rows(); ++j) {
    std::vector<double> times, stream_times, copy_stream_times;
    HullProjection h;
    for (int r = 0; r < repeats; ++r) {
      time_passes(queries.row((j + r) % queries.rows()).transpose());
      auto t0 = clock::now();
      h = project_onto_hull(keys, queries.row(j).transpose());
      times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
      // Untimed: the stream-norms solve follows an ascending pass as well, not the single solve's last
      // (descending) pass, whose final rows its pass 1 would find in cache (session 30).
      key_pass_dots(keys, queries.row((j + r + 1) % queries.rows()).transpose(), out);
      sink += out[0];
      t0 = clock::now();
      project_onto_hull(keys, norms, queries.row(j).transpose(), HullOptions{}, reused);
      stream_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
      // Untimed, as above: an ascending pass over K, then one over the copy, so that the copy's solve finds
      // its two arrays (the copy for pass 1 and its pricing passes since session 37, K for the rows it
      // re-prices) as warm as the reference pass finds K (without it, at n = 16384 the copy came from
      // memory while the reference passes kept K in L3).
      key_pass_dots(keys, queries.row((j + r + 2) % queries.rows()).transpose(), out);
      copy.dots(0, keys.rows(), queries.row(j).data(), out.data());
      sink += out[0];
      t0 = clock::now();
      project_onto_hull(keys, norms, copy, queries.row(j).transpose(), HullOptions{}, reused_copy);
      copy_stream_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    }
    if (reused.status != h.status || reused.face != h.face) {
      std::fprintf(stderr, "time_hull: query %ld: the solve with stream norms differs\n", static_cast<long>(j));
      return 1;
    }
    if (reused_copy.status != h.status || reused_copy.face != h.face) {
      std::fprintf(stderr, "time_hull: query %ld: the solve with the stream's copy differs\n", static_cast<long>(j));
      return 1;
    }
    char head[512];
    std::snprintf(head, sizeof head,
                  "  {\"status\": \"%s\", \"time_s\": %.9g, \"time_stream_s\": %.9g, \"time_stream_copy_s\": %.9g, "
                  "\"key_passes\": %d, \"copy_solve_key_passes\": %d, \"copy_solve_copy_passes\": %d, "
                  "\"delta_lo\": %s, \"delta_hi\": %s, \"residual_norm\": %s, \"face\": [",
                  to_string(h.status), median(times), median(stream_times), median(copy_stream_times), h.key_passes,
                  reused_copy.key_passes, reused_copy.copy_passes,
                  num(h.delta_lo).c_str(),
                  num(h.delta_hi).c_str(), num(h.residual_norm).c_str());
    std::string line = head;
    for (std::size_t f = 0; f < h.face.size(); ++f) line += (f ? ", " : "") + std::to_string(h.face[f]);
    line += j + 1 < queries.rows() ? "]},\n" : "]}\n";
    query_lines += line;
  }
  std::vector<double> batch_times;
  sink += project_onto_hull_batch(keys, queries, {}).front().residual_norm;  // warm-up (untimed)
  for (int r = 0; r < repeats; ++r) {
    time_passes(queries.row(r % queries.rows()).transpose());
    const auto t0 = clock::now();
    const auto hs = project_onto_hull_batch(keys, queries, {});
    batch_times.push_back(std::chrono::duration<double>(clock::now() - t0).count() / static_cast<double>(hs.size()));
  }
  const double gemv_s = median(gemv_times), dots_s = median(dots_times);
  std::printf("{\"n\": %ld, \"d\": %ld, \"pass_s\": %.9g, \"pass_gemv_s\": %.9g, \"pass_dots_s\": %.9g, "
              "\"pass_before_s\": %.9g, \"norms_s\": %.9g, \"copy_s\": %.9g, \"queries\": [\n%s",
              static_cast<long>(keys.rows()), static_cast<long>(keys.cols()), std::min(gemv_s, dots_s) + 0 * sink,
              gemv_s, dots_s, std::min(gemv_before_s, dots_before_s), median(norm_times), median(copy_times),
              query_lines.c_str());
  // The process's pass-prefetch decisions for these keys (solvers/key_dots.hpp; -1 undecided): the
  // reference pass and the pricing passes share the plain class, pass 1 is the class with the norms.
  const double bytes = key_bytes(keys, keys.rows());
  std::printf("], \"batch_time_per_query_s\": %.9g, \"pass_descending_s\": %.9g, \"prefetch_plain\": %d, "
              "\"prefetch_norms\": %d}\n",
              median(batch_times), median(back_times), pass_prefetch_decision(bytes, false), pass_prefetch_decision(bytes, true));
  return 0;
}
