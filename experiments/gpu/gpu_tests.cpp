// GPU tests of the CUDA Vashista Sparse Attention kernel (src/cuda, API sparse/cuda_api.hpp) against the
// CPU reference (src/sparse) and the exact dense double computation, on generated inputs.
// Prints one line per case and a final "N passed, N failed"; exits 1 on any failure.
//
// Named tolerances (inputs are rounded to the KV dtype first, so CPU and GPU see identical keys and values;
// differences come from fp32 accumulation only):
//   kTieFactor:  two pages may be ordered differently by the GPU (fp32, U_hat = fl(U) + gamma A) and the CPU
//                (double U) only when |U_1 - U_2| <= kTieFactor * gamma_D * max(A_1, A_2),
//                gamma_D = (D + 4) 2^-24, A = tau sum_d |q_d| max(|kmin_d|, |kmax_d|).
//   kOutputTol:  max_d |o_gpu - o_cpu| <= kOutputTol * max_i ||v_i||_inf (same selection).
//   kLseTol:     |lse_gpu - lse_cpu| <= kLseTol * (1 + |lse_cpu|).
//   Soundness:   ln m_out(exact, double, GPU selection) <= ln tail_bound_gpu + kLogBoundSlack (no tolerance).
#include "core/conventions.hpp"
#include "core/log_sum_exp.hpp"
#include "sparse/cuda_api.hpp"
#include "sparse/paged_kv_cache.hpp"
#include "sparse/routing.hpp"
#include "sparse/sparse_attention.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace vashista;
namespace vc = vashista::cuda;

namespace {

constexpr double kTieFactor = 4.0;
constexpr double kOutputTolBf16 = 2e-4;
constexpr double kOutputTolFp16 = 2e-4;
constexpr double kLseTol = 2e-5;
constexpr double kUnit = 5.9604644775390625e-08;  // 2^-24

int g_passed = 0, g_failed = 0;

void report(bool ok, const std::string& what) {
  (ok ? g_passed : g_failed)++;
  std::printf("%s  %s\n", ok ? "PASS" : "FAIL", what.c_str());
}

void require(const vc::Status& st) {
  if (!st.ok) {
    std::printf("FAIL  CUDA: %s\n", st.message.c_str());
    std::printf("%d passed, %d failed\n", g_passed, g_failed + 1);
    std::exit(1);
  }
}

struct Case {
  int head_dim, page_size, batch, num_q_heads, num_kv_heads, budget;
  vc::KvDtype dtype;
  double eps;
  int superpage = 0;      // S: super-page metadata on the device (0 = none)
  int refine = 0;         // R (hierarchical mode)
  bool hier = false;      // hierarchical routing (CPU reference with superpage_size = S, superpage_refine = R)
};

std::string describe(const Case& c) {
  char buf[240];
  std::snprintf(buf, sizeof buf, "d=%d B=%d batch=%d heads=%d:%d P=%d %s eps=%g", c.head_dim, c.page_size, c.batch,
                c.num_q_heads, c.num_kv_heads, c.budget, c.dtype == vc::KvDtype::bf16 ? "bf16" : "fp16", c.eps);
  std::string out = buf;
  if (c.superpage > 0) {
    std::snprintf(buf, sizeof buf, " S=%d%s", c.superpage, c.hier ? "" : " (flat)");
    out += buf;
  }
  if (c.hier) out += " hier R=" + std::to_string(c.refine);
  return out;
}

/// Host data of one (sequence, KV head): keys clustered per page (informative min/max boxes), rounded.
struct HostSeq {
  Matrix keys, values;
};

HostSeq make_sequence(std::mt19937_64& rng, int n, int d, int page_size, vc::KvDtype dtype) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  HostSeq s;
  s.keys.resize(n, d);
  s.values.resize(n, d);
  Vector center(d);
  double spread = 0.3;
  for (int i = 0; i < n; ++i) {
    if (i % page_size == 0) {
      for (int j = 0; j < d; ++j) center[j] = 1.5 * normal(rng);
      spread = uni(rng) < 0.1 ? 0.0 : 0.05 + 0.5 * uni(rng);  // some pages of identical keys (tight bounds)
    }
    for (int j = 0; j < d; ++j) {
      s.keys(i, j) = vc::round_to_dtype(center[j] + spread * normal(rng), dtype);
      s.values(i, j) = vc::round_to_dtype(normal(rng), dtype);
    }
  }
  return s;
}

/// Exact dense quantities in double: ln m_out for the candidate pages, and the dense output.
void dense_exact(const HostSeq& s, int len, const Vector& q, double scale, double eps, const std::vector<Index>& pages,
                 int page_size, double* log_mass_out, Vector* output) {
  std::vector<char> in_s(static_cast<size_t>(len), 0);
  for (Index p : pages)
    for (int i = static_cast<int>(p) * page_size; i < std::min<int>(len, (static_cast<int>(p) + 1) * page_size); ++i) in_s[i] = 1;
  LogSumExp all, out;
  Vector x(len);
  for (int i = 0; i < len; ++i) {
    x[i] = scale * s.keys.row(i).dot(q) / eps;
    all.add(x[i]);
    if (!in_s[i]) out.add(x[i]);
  }
  *log_mass_out = out.value() - all.value();
  *output = Vector::Zero(s.values.cols());
  for (int i = 0; i < len; ++i) *output += std::exp(x[i] - all.value()) * s.values.row(i).transpose();
}

struct DeviceOutputs {
  vc::DecodeOutputs out;
  std::vector<void*> buffers;
  void alloc(int rows, int groups, int d, int max_selected) {
    auto get = [&](size_t bytes) {
      void* p = nullptr;
      require(vc::device_alloc(&p, bytes));
      buffers.push_back(p);
      return p;
    };
    out.output = static_cast<float*>(get(static_cast<size_t>(rows) * d * 4));
    out.lse = static_cast<float*>(get(rows * 4));
    out.log_tail_bound = static_cast<float*>(get(rows * 4));
    out.tail_bound = static_cast<float*>(get(rows * 4));
    out.output_error_bound = static_cast<float*>(get(rows * 4));
    out.selected_pages = static_cast<int32_t*>(get(static_cast<size_t>(groups) * max_selected * 4));
    out.num_selected = static_cast<int32_t*>(get(groups * 4));
    out.max_selected = max_selected;
  }
  ~DeviceOutputs() {
    for (void* p : buffers) vc::device_free(p);
  }
};

template <typename T>
std::vector<T> download(const T* src, size_t n) {
  std::vector<T> v(n);
  require(vc::copy_to_host(v.data(), src, n * sizeof(T)));
  return v;
}

/// Runs one case; `appended` > 0 uploads len - appended tokens and appends the rest with append_tokens.
void run_case(const Case& c, std::mt19937_64& rng, double delta = 0.0, int appended = 0) {
  const int d = c.head_dim, B = c.page_size, g = c.num_q_heads / c.num_kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  std::uniform_int_distribution<int> length(B * 20, B * 120);
  std::vector<int> seq_len(c.batch);
  std::vector<std::vector<HostSeq>> data(c.batch);  // [b][kvh]
  std::vector<vc::HostKvSource> sources(c.batch);
  for (int b = 0; b < c.batch; ++b) {
    seq_len[b] = length(rng) + (b % 3);  // partial last pages too
    for (int h = 0; h < c.num_kv_heads; ++h) data[b].push_back(make_sequence(rng, seq_len[b], d, B, c.dtype));
    sources[b].num_tokens = seq_len[b];
    for (int h = 0; h < c.num_kv_heads; ++h) {
      sources[b].keys.push_back(data[b][h].keys.data());
      sources[b].values.push_back(data[b][h].values.data());
    }
  }
  // Queries: fp32 values; some heads aligned with a random key (a peaked distribution).
  std::normal_distribution<double> normal(0.0, 1.0);
  Matrix queries(c.batch * c.num_q_heads, d);
  for (int r = 0; r < queries.rows(); ++r) {
    const int b = r / c.num_q_heads, kvh = (r % c.num_q_heads) / g;
    const int anchor = std::uniform_int_distribution<int>(0, seq_len[b] - 1)(rng);
    for (int j = 0; j < d; ++j) {
      const double v = (r % 2 ? 3.0 * data[b][kvh].keys(anchor, j) : 0.0) + normal(rng);
      queries(r, j) = static_cast<double>(static_cast<float>(v));
    }
  }
  vc::DecodeShape shape;
  shape.batch = c.batch;
  shape.num_q_heads = c.num_q_heads;
  shape.num_kv_heads = c.num_kv_heads;
  shape.head_dim = d;
  shape.page_size = B;
  shape.dtype = c.dtype;
  shape.pages_per_super = c.superpage;
  std::vector<int> upload_len = seq_len, src_of(c.batch);
  for (int b = 0; b < c.batch; ++b) {
    src_of[b] = b;
    upload_len[b] = seq_len[b] - appended;
  }
  vc::DeviceBatch dev;
  require(vc::upload_batch(shape, sources, src_of, upload_len, appended > 0 ? (appended + B - 1) / B + 1 : 0, &dev));
  shape = dev.shape;
  if (appended > 0) {
    void *nk = nullptr, *nv = nullptr;
    const size_t n = static_cast<size_t>(c.batch) * c.num_kv_heads * d;
    require(vc::device_alloc(&nk, n * 2));
    require(vc::device_alloc(&nv, n * 2));
    std::vector<uint16_t> hk(n), hv(n);
    for (int t = 0; t < appended; ++t) {
      for (int b = 0; b < c.batch; ++b)
        for (int h = 0; h < c.num_kv_heads; ++h)
          for (int j = 0; j < d; ++j) {
            const size_t i = (static_cast<size_t>(b) * c.num_kv_heads + h) * d + j;
            const double kv[2] = {data[b][h].keys(upload_len[b] + t, j), data[b][h].values(upload_len[b] + t, j)};
            uint16_t bits[2];
            vc::encode_to_dtype(kv, 2, c.dtype, bits);
            hk[i] = bits[0];
            hv[i] = bits[1];
          }
      require(vc::copy_to_device(nk, hk.data(), n * 2));
      require(vc::copy_to_device(nv, hv.data(), n * 2));
      require(vc::append_tokens(shape, dev.cache, nk, nv, nullptr));
    }
    require(vc::device_synchronize());
    vc::device_free(nk);
    vc::device_free(nv);
    const auto lens = download(dev.cache.seq_len, c.batch);
    bool ok = true;
    for (int b = 0; b < c.batch; ++b) ok = ok && lens[b] == seq_len[b];
    report(ok, describe(c) + ": append_tokens advanced seq_len");
  }

  int max_pages = 0;
  for (int b = 0; b < c.batch; ++b) max_pages = std::max(max_pages, (seq_len[b] + B - 1) / B);
  const int max_selected = delta > 0.0 ? max_pages : std::max(c.budget, 2);
  const int groups = c.batch * c.num_kv_heads, rows = c.batch * c.num_q_heads;
  DeviceOutputs o;
  o.alloc(rows, groups, d, max_selected);
  vc::DecodeWorkspace* ws = nullptr;
  require(vc::create_workspace(shape, max_selected, &ws));
  std::vector<float> qf(static_cast<size_t>(rows) * d);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < d; ++j) qf[static_cast<size_t>(r) * d + j] = static_cast<float>(queries(r, j));
  void* q_dev = nullptr;
  require(vc::device_alloc(&q_dev, qf.size() * 4));
  require(vc::copy_to_device(q_dev, qf.data(), qf.size() * 4));
  vc::DecodeParams params;
  params.page_budget = c.budget;
  params.sink_pages = 1;
  params.recent_pages = 1;
  params.eps = static_cast<float>(c.eps);
  params.scale = static_cast<float>(scale);
  params.hierarchical = c.hier;
  params.refine_budget = c.refine > 0 ? c.refine : params.refine_budget;
  int rounds = 0;
  require(vc::decode_step_adaptive(shape, dev.cache, static_cast<float*>(q_dev), params, static_cast<float>(delta), ws,
                                   o.out, nullptr, &rounds));
  require(vc::device_synchronize());
  const auto out = download(o.out.output, static_cast<size_t>(rows) * d);
  const auto lse = download(o.out.lse, rows);
  const auto log_tail = download(o.out.log_tail_bound, rows);
  const auto tail = download(o.out.tail_bound, rows);
  const auto err_bound = download(o.out.output_error_bound, rows);
  const auto sel = download(o.out.selected_pages, static_cast<size_t>(groups) * max_selected);
  const auto nsel = download(o.out.num_selected, groups);
  // Super-page metadata (built on upload, kept on append) as stored: bits of min/max, vmax rounded up.
  std::vector<uint16_t> super_lo, super_hi;
  std::vector<float> super_vmax;
  const int max_super = vc::max_superpages_per_seq(shape);
  if (c.superpage > 0) {
    const size_t slots = static_cast<size_t>(c.batch) * c.num_kv_heads * max_super;
    super_lo = download(static_cast<const uint16_t*>(dev.cache.super_kmin), slots * d);
    super_hi = download(static_cast<const uint16_t*>(dev.cache.super_kmax), slots * d);
    super_vmax = download(dev.cache.super_vmax, slots);
  }
  vc::destroy_workspace(ws);
  vc::device_free(q_dev);
  vc::free_device_batch(&dev);

  SparseAttentionParams cpu_params;
  cpu_params.page_size = B;
  cpu_params.page_budget = c.budget;
  cpu_params.eps = c.eps;
  cpu_params.delta = delta;
  cpu_params.superpage_size = c.hier ? c.superpage : 0;
  cpu_params.superpage_refine = c.refine > 0 ? c.refine : cpu_params.superpage_refine;
  int super_meta_bad = 0, differs_from_flat = 0, all_refined_not_flat = 0;
  int selection_mismatch = 0, tie_differences = 0, output_bad = 0, lse_bad = 0, unsound = 0, error_bad = 0, queries_seen = 0;
  int delta_bad = 0;
  double worst_out = 0.0, worst_lse = 0.0, worst_margin = kInf, tail_ratio_max = 0.0;
  const double out_tol = c.dtype == vc::KvDtype::bf16 ? kOutputTolBf16 : kOutputTolFp16;
  const double gamma = (d + 4) * kUnit;
  for (int b = 0; b < c.batch; ++b) {
    for (int kvh = 0; kvh < c.num_kv_heads; ++kvh) {
      const int bk = b * c.num_kv_heads + kvh;
      const HostSeq& s = data[b][kvh];
      const PagedKVCache cache = build_paged_cache(s.keys, s.values, seq_len[b], B);
      const Matrix q = queries.middleRows(b * c.num_q_heads + kvh * g, g);
      const SparseGroupResult cpu = sparse_attention_group(cache, q, cpu_params, scale);
      if (c.superpage > 0) {  // device super-page metadata == boxes derived from the CPU page metadata
        const SuperPageBoxes boxes = superpage_boxes(cache, c.superpage);
        for (Index j = 0; j < boxes.num_superpages(); ++j) {
          const size_t slot = static_cast<size_t>(bk) * max_super + j;
          for (int t = 0; t < d; ++t) {
            const double bounds[2] = {boxes.kmin(j, t), boxes.kmax(j, t)};
            uint16_t bits[2];
            vc::encode_to_dtype(bounds, 2, c.dtype, bits);
            if (bits[0] != super_lo[slot * d + t] || bits[1] != super_hi[slot * d + t]) ++super_meta_bad;
          }
          const double vm = boxes.vmax_norm[static_cast<size_t>(j)];
          if (!(super_vmax[slot] >= vm && super_vmax[slot] <= vm * (1.0 + 1.0 / 256.0) + 1e-30)) ++super_meta_bad;
        }
      }
      if (c.hier && delta <= 0.0) {
        SparseAttentionParams flat_params = cpu_params;
        flat_params.superpage_size = 0;
        const SparseGroupResult flat = sparse_attention_group(cache, q, flat_params, scale);
        if (flat.selected_pages != cpu.selected_pages) ++differs_from_flat;
        if (cpu.refined_superpages.size() == static_cast<size_t>(cpu.superpage_upper_bounds.cols()) &&
            flat.selected_pages != cpu.selected_pages)
          ++all_refined_not_flat;
      }
      std::vector<Index> gpu_pages(sel.begin() + static_cast<long>(bk) * max_selected,
                                   sel.begin() + static_cast<long>(bk) * max_selected + nsel[bk]);
      // Selection: identical, or different only on near-ties of U_p (fixed budget only: adaptive rounds may
      // legitimately stop at different P when a certificate is within rounding of delta).
      if (delta <= 0.0 && gpu_pages != cpu.selected_pages) {
        const Vector score = cpu.upper_bounds.colwise().maxCoeff().transpose();
        Vector a_bound(cache.num_pages());
        for (Index p = 0; p < cache.num_pages(); ++p) {
          double a = 0.0;
          for (int h = 0; h < g; ++h)
            a = std::max(a, scale * (q.row(h).cwiseAbs().transpose().cwiseProduct(
                                         cache.kmin(p).cwiseAbs().cwiseMax(cache.kmax(p).cwiseAbs()))).sum());
          a_bound[p] = a;
        }
        std::set<Index> cs(cpu.selected_pages.begin(), cpu.selected_pages.end()), gs(gpu_pages.begin(), gpu_pages.end());
        bool explained = gs.size() == cs.size();
        for (Index p : cs)
          if (!gs.count(p))
            for (Index r : gs)
              if (!cs.count(r)) {
                const double tol = kTieFactor * gamma * std::max(a_bound[p], a_bound[r]);
                if (std::abs(score[p] - score[r]) > tol) explained = false;
              }
        if (explained) ++tie_differences; else ++selection_mismatch;
      }
      // Attention and certificate on the GPU's selection, against the CPU reference and the exact dense tail.
      const SparseGroupResult ref = attend_selected(cache, q, cpu.upper_bounds, gpu_pages, scale, c.eps);
      double vmax = s.values.topRows(seq_len[b]).cwiseAbs().maxCoeff();
      bool done_delta = true;
      for (int h = 0; h < g; ++h) {
        const int row = b * c.num_q_heads + kvh * g + h;
        ++queries_seen;
        double diff = 0.0;
        for (int j = 0; j < d; ++j)
          diff = std::max(diff, std::abs(out[static_cast<size_t>(row) * d + j] - ref.heads[h].output[j]));
        worst_out = std::max(worst_out, diff / vmax);
        if (diff > out_tol * vmax) ++output_bad;
        const double ldiff = std::abs(lse[row] - ref.heads[h].lse) / (1.0 + std::abs(ref.heads[h].lse));
        worst_lse = std::max(worst_lse, ldiff);
        if (ldiff > kLseTol) ++lse_bad;
        double log_mass = 0.0;
        Vector dense;
        dense_exact(s, seq_len[b], q.row(h).transpose(), scale, c.eps, gpu_pages, B, &log_mass, &dense);
        if (log_mass > static_cast<double>(log_tail[row]) + kLogBoundSlack) ++unsound;
        if (log_mass != -kInf) worst_margin = std::min(worst_margin, static_cast<double>(log_tail[row]) - log_mass);
        const bool same_selection = gpu_pages == cpu.selected_pages;
        const SparseHeadResult& cert_ref = c.hier ? cpu.heads[h] : ref.heads[h];  // hierarchical: CPU's own certificate
        if (cert_ref.tail_bound > 0.0 && (!c.hier || same_selection))
          tail_ratio_max = std::max(tail_ratio_max, std::abs(static_cast<double>(log_tail[row]) - cert_ref.log_tail_bound));
        const double err = (dense - ref.heads[h].output).norm();  // truncation error of the exact o_S
        if (err > err_bound[row] * (1.0 + 1e-6) + 1e-12) ++error_bad;
        if (tail[row] > delta) done_delta = false;
      }
      if (delta > 0.0 && !done_delta && nsel[bk] < static_cast<int>(cache.num_pages())) ++delta_bad;
    }
  }
  const std::string name = describe(c) + (delta > 0 ? " delta=" + std::to_string(delta) : "") +
                           (appended ? " appended=" + std::to_string(appended) : "");
  char buf[400];
  std::snprintf(buf, sizeof buf, ": selection %d mismatches (%d tie differences)", selection_mismatch, tie_differences);
  report(selection_mismatch == 0, name + buf);
  std::snprintf(buf, sizeof buf, ": output max |o_gpu - o_cpu| / max|v| = %.2e (tol %.0e), %d bad", worst_out, out_tol, output_bad);
  report(output_bad == 0, name + buf);
  std::snprintf(buf, sizeof buf, ": lse max rel diff %.2e (tol %.0e), %d bad", worst_lse, kLseTol, lse_bad);
  report(lse_bad == 0, name + buf);
  std::snprintf(buf, sizeof buf, ": certificate soundness %d/%d violations, min ln(bound) - ln(exact) = %.3g, max |ln tail gpu - cpu| = %.2e",
                unsound, queries_seen, worst_margin, tail_ratio_max);
  report(unsound == 0, name + buf);
  std::snprintf(buf, sizeof buf, ": output error bound %d violations", error_bad);
  report(error_bad == 0, name + buf);
  if (c.superpage > 0) {
    std::snprintf(buf, sizeof buf, ": super-page metadata %d mismatches vs the CPU boxes", super_meta_bad);
    report(super_meta_bad == 0, name + buf);
  }
  if (c.hier && delta <= 0.0) {
    std::snprintf(buf, sizeof buf, ": hierarchical vs flat CPU selection: %d groups differ (%d with all refined)",
                  differs_from_flat, all_refined_not_flat);
    report(all_refined_not_flat == 0, name + buf);
  }
  if (delta > 0.0) {
    std::snprintf(buf, sizeof buf, ": adaptive %d rounds, %d groups above delta with pages left", rounds, delta_bad);
    report(delta_bad == 0, name + buf);
  }
}

}  // namespace

int main() {
  std::printf("device: %s\n", vc::device_name().c_str());
  std::mt19937_64 rng(20240601);
  std::vector<Case> cases;
  for (vc::KvDtype dtype : {vc::KvDtype::bf16, vc::KvDtype::fp16})
    for (int d : {64, 128})
      for (int B : {16, 32, 64})
        for (int batch : {1, 4}) cases.push_back({d, B, batch, 8, 2, 8, dtype, 1.0});
  cases.push_back({128, 16, 2, 32, 8, 16, vc::KvDtype::bf16, 1.0});   // 32:8 heads
  cases.push_back({128, 16, 2, 8, 8, 6, vc::KvDtype::bf16, 0.3});     // g = 1, small eps
  cases.push_back({64, 32, 3, 16, 2, 4, vc::KvDtype::fp16, 2.0});     // g = 8
  cases.push_back({128, 16, 1, 8, 2, 1000, vc::KvDtype::bf16, 1.0});  // budget >= pages: dense, tail 0
  // Hierarchical routing (super-pages of S pages, R refined), and flat routing with super-page metadata present.
  cases.push_back({128, 16, 2, 8, 2, 8, vc::KvDtype::bf16, 1.0, 4, 3, true});
  cases.push_back({128, 16, 4, 8, 2, 8, vc::KvDtype::bf16, 1.0, 8, 2, true});
  cases.push_back({64, 32, 3, 16, 2, 6, vc::KvDtype::fp16, 0.5, 2, 5, true});   // g = 8
  cases.push_back({128, 16, 2, 32, 8, 16, vc::KvDtype::bf16, 1.0, 8, 2, true});  // 32:8 heads
  cases.push_back({128, 16, 2, 8, 8, 6, vc::KvDtype::bf16, 0.3, 3, 4, true});    // g = 1, small eps
  cases.push_back({64, 64, 2, 8, 2, 4, vc::KvDtype::fp16, 2.0, 5, 1, true});     // R = 1: forced super-pages only
  cases.push_back({128, 16, 2, 8, 2, 8, vc::KvDtype::bf16, 1.0, 4, 1000, true}); // every super-page refined = flat
  cases.push_back({128, 16, 1, 8, 2, 1000, vc::KvDtype::bf16, 1.0, 4, 1000, true});  // dense limit
  cases.push_back({128, 16, 2, 8, 2, 8, vc::KvDtype::bf16, 1.0, 4, 3, false});   // flat, super metadata present
  for (const Case& c : cases) run_case(c, rng);
  run_case({128, 16, 2, 8, 2, 2, vc::KvDtype::bf16, 1.0}, rng, 1e-3);   // adaptive
  run_case({64, 32, 2, 8, 2, 2, vc::KvDtype::fp16, 0.5}, rng, 1e-6);    // adaptive
  run_case({128, 16, 2, 8, 2, 8, vc::KvDtype::bf16, 1.0}, rng, 0.0, 37);  // append path
  run_case({64, 64, 4, 8, 2, 8, vc::KvDtype::fp16, 1.0}, rng, 0.0, 70);   // append path across pages
  run_case({128, 16, 2, 8, 2, 2, vc::KvDtype::bf16, 1.0, 4, 2, true}, rng, 1e-3);     // hierarchical adaptive
  run_case({64, 32, 2, 8, 2, 2, vc::KvDtype::fp16, 0.5, 3, 1, true}, rng, 1e-6);      // hierarchical adaptive
  run_case({128, 16, 2, 8, 2, 8, vc::KvDtype::bf16, 1.0, 2, 3, true}, rng, 0.0, 70);  // append across super-pages
  run_case({64, 16, 3, 8, 2, 8, vc::KvDtype::fp16, 1.0, 4, 3, true}, rng, 0.0, 130);  // append, new super-pages
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
