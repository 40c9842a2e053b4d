#include "analysis/kernel_check.hpp"

#include "core/error.hpp"
#include "core/log_sum_exp.hpp"
#include "solvers/softmax_model.hpp"
#include "sparse/cuda_layout.hpp"

#include <algorithm>
#include <cmath>

namespace vashista {

namespace {

/// The two parts of a compute_dtype "[cache dtype/]arithmetic dtype" (cache "" when there is none).
struct ComputeDtype {
  std::string cache, arithmetic;
};
ComputeDtype split_compute_dtype(const std::string& compute_dtype) {
  const size_t slash = compute_dtype.find('/');
  if (slash == std::string::npos) return {"", compute_dtype};
  return {compute_dtype.substr(0, slash), compute_dtype.substr(slash + 1)};
}

/// The CUDA kernel's evaluation order in `model`: roundings of a logit's products, exponentials per token and
/// roundings per term of its sums, for head dimension d (64 or 128), `selected_pages` pages of size page_size.
void apply_cuda_evaluation(Index d, Index selected_pages, int page_size, SoftmaxRoundingModel& model) {
  // src/cuda/sparse_attention.cu (layout constants: sparse/cuda_layout.hpp). Logits: each of d / kVec lanes sums
  // kVec products of its query slice (x += q k, fused or not: at most kVec + 1 roundings of a product), then a
  // butterfly of log2(d / kVec) shuffle additions; before that the query was converted to float (1) and scaled
  // by fl(fl(tau) / fl(eps)) (4).
  const Index lanes = d / cuda::kVec;
  Index levels = 0;
  while ((Index{1} << levels) < lanes) ++levels;
  model.score_roundings = cuda::kVec + 1 + levels + 5;
  // Attention: a split holds pages_per_split pages; a lane group of the block's threads / lanes groups takes
  // every groups-th token of the split, so it sees at most c = ceil(split tokens / groups) tokens. A token's
  // weight: its own exponential, at most c - 1 rescalings in its group, the block merge, the combine of the
  // splits. A term of the sums: product and add (2), at most c - 1 rescale-and-add steps (2 each), the block
  // merge (a product and up to groups - 1 additions), the combine (a product and up to splits - 1 additions).
  const Index groups = cuda::kAttentionThreads / lanes;
  const Index split_pages = cuda::pages_per_split_for(page_size);
  const Index split_tokens = split_pages * page_size;
  const Index per_group = (split_tokens + groups - 1) / groups;
  const Index splits = (selected_pages + split_pages - 1) / split_pages;
  model.exponentials = per_group + 2;
  model.sum_roundings = 2 * per_group + groups + splits + 2;
}

}  // namespace

SoftmaxRoundingModel kernel_rounding_model(const KernelOutputs& kernel, Index dim, Index selected_pages,
                                           double cache_rounding) {
  const ComputeDtype dtype = split_compute_dtype(kernel.compute_dtype);
  SoftmaxRoundingModel model;
  // Unknown arithmetic: the loosest of the four (bfloat16).
  const StorageDtype arithmetic_dtype = storage_dtype_named(dtype.arithmetic).value_or(StorageDtype::bfloat16);
  model.unit_roundoff = unit_roundoff(arithmetic_dtype);
  model.smallest_subnormal = 2.0 * subnormal_rounding(arithmetic_dtype);
  if (arithmetic_dtype == StorageDtype::float64) model.smallest_subnormal = 0x1p-1074;
  model.score_roundings = score_roundings_any_order(dim);
  model.input_unit = cache_rounding;
  // The evaluations this project's kernels use; any other kernel is judged under both normalisations and any
  // summation order.
  if (kernel.device == "cpu-reference" && kernel.compute_dtype == "float64") {
    model.normalisation = SoftmaxNormalisation::by_log_sum_exp;
  } else if (kernel.name == "vashista-sparse" && !dtype.cache.empty() && arithmetic_dtype == StorageDtype::float32) {
    model.normalisation = SoftmaxNormalisation::by_sum;
    if (dim == 64 || dim == 128) apply_cuda_evaluation(dim, selected_pages, kernel.page_size, model);
  }
  return model;
}

double cache_rounding(const KernelOutputs& kernel, const Stream& stream) {
  const std::optional<StorageDtype> cache = storage_dtype_named(split_compute_dtype(kernel.compute_dtype).cache);
  return cache && !stream.representable_in(*cache) ? unit_roundoff(*cache) : 0.0;
}

KernelCheckContext kernel_check_context(const Stream& stream) {
  KernelCheckContext context;
  context.abs_keys = stream.keys.cwiseAbs();
  if (stream.kernel) context.cache_rounding = cache_rounding(*stream.kernel, stream);
  return context;
}

std::vector<Index> candidate_tokens(const std::vector<int32_t>& selected_pages, Index page_size, Index visible) {
  std::vector<Index> tokens;
  for (int32_t page : selected_pages) {
    if (page < 0) continue;
    Index first = static_cast<Index>(page) * page_size;
    Index last = std::min(first + page_size, visible);
    for (Index i = first; i < last; ++i) tokens.push_back(i);
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

QueryRecord check_kernel_query(const Stream& stream, Index j, Index e, double delta_target,
                               const KernelCheckContext* context) {
  const KernelOutputs& kernel = *stream.kernel;
  const Index n = stream.visible_keys(j);
  const double eps = kernel.eps[static_cast<size_t>(e)];
  QueryRecord r;
  r.stream = stream.name;
  r.query = j;
  r.model = Model::kernel;
  r.n = n;
  r.eps = eps;
  r.bound = "certificate";
  r.face = candidate_tokens(kernel.selected_pages[static_cast<size_t>(e)][static_cast<size_t>(j)],
                            kernel.page_size, n);
  r.face_size = static_cast<Index>(r.face.size());

  const Vector scores = stream.scale * (stream.keys.topRows(n) * stream.queries.row(j).transpose());
  const double ln_measured = log_mass_outside(scores, eps, r.face);
  const double bound = kernel.tail_bound(e, j);
  const double ln_bound = std::log(bound);
  r.log10_tail_measured = ln_measured / std::log(10.0);
  r.log10_tail_bound = ln_bound / std::log(10.0);
  // +inf bounds nothing but is true (a vacuous certificate); NaN or a negative number is no certificate.
  if (std::isnan(bound) || bound < 0) {
    r.status = "unsound";
    r.bound_holds = false;
    r.note = "tail_bound is NaN or negative";
    return r;
  }
  r.bound_holds = ln_measured <= ln_bound + kLogBoundSlack + kFloat32LogSlack;
  r.status = *r.bound_holds ? "sound" : "unsound";
  r.safe = bound <= delta_target;
  if (!*r.bound_holds) {
    r.note = "exact tail mass outside the kernel's candidates exceeds its tail_bound";
  }

  // The output check needs the values and the kernel's output (optional in the trace: a kernel group
  // without it, next to values, was read out of bounds here).
  if (stream.has_values() && e < static_cast<Index>(kernel.output.size())) {
    // docs/kernel.md "How certify judges an output": o_dense and o_S in double with their rounding bounds
    // (bounds/softmax_rounding.hpp): the kernel's arithmetic over S, this check's own over all n keys.
    const Vector logits = scores / eps;
    const KernelCheckContext own_context = context ? KernelCheckContext{} : kernel_check_context(stream);
    const KernelCheckContext& shared = context ? *context : own_context;
    const Vector abs_logits =
        stream.scale * (shared.abs_keys.topRows(n) * stream.queries.row(j).transpose().cwiseAbs()) / eps;
    SoftmaxRoundingModel own;
    own.unit_roundoff = 0x1p-53;
    own.smallest_subnormal = 0x1p-1074;
    own.score_roundings = score_roundings_any_order(stream.dim());
    own.normalisation = SoftmaxNormalisation::by_sum;
    const SoftmaxRoundingBound dense = softmax_rounding_bound(logits, abs_logits, stream.values.topRows(n), own);
    // No candidate token (selected pages beyond a causal prefix): no arithmetic, and tail_bound must then be 1.
    double face_rounding = 0.0;
    if (!r.face.empty()) {
      const auto selected = static_cast<Index>(kernel.selected_pages[static_cast<size_t>(e)][static_cast<size_t>(j)].size());
      face_rounding = softmax_rounding_bound(logits(r.face), abs_logits(r.face), stream.values(r.face, Eigen::all),
                                             kernel_rounding_model(kernel, stream.dim(), selected, shared.cache_rounding))
                          .bound;
    }
    Vector kernel_out = kernel.output[static_cast<size_t>(e)].row(j).transpose();
    if (!kernel_out.allFinite()) {  // a kernel fault, not a malformed trace: a finding (exit 1)
      r.output_error = kInf;
      r.output_within_bound = false;
      r.note += (r.note.empty() ? "" : "; ") + std::string("kernel output holds a non-finite value");
      return r;
    }
    r.output_error = (kernel_out - dense.output).norm();
    // Output-error bound of docs/kernel.md: tail_bound * (max_{i outside S} ||v_i|| + ||o_S||).
    double max_value_outside = 0.0;
    std::vector<char> inside(static_cast<size_t>(n), 0);
    for (Index i : r.face) inside[static_cast<size_t>(i)] = 1;
    for (Index i = 0; i < n; ++i) {
      if (!inside[static_cast<size_t>(i)]) max_value_outside = std::max(max_value_outside, stream.values.row(i).norm());
    }
    const double value_scale = max_value_outside + kernel_out.norm();
    r.output_error_bound = value_scale == 0 ? 0.0 : bound * value_scale;  // also when tail_bound = +inf
    // Rounding: the kernel's arithmetic on S (||o_S|| <= ||o|| + that bound, hence the tail term's share), this
    // check's own dense output, and the storage of the kernel's output in the trace (|stored_k - o_k| <= u |o_k|
    // + tiny, so ||stored - o|| <= u ||stored|| / (1 - u) + sqrt(d_v) tiny).
    const double u = unit_roundoff(kernel.output_storage);
    const double storage = u * kernel_out.norm() / (1.0 - u) +
                           std::sqrt(static_cast<double>(kernel_out.size())) * subnormal_rounding(kernel.output_storage);
    r.output_rounding = face_rounding * (1.0 + bound) + dense.bound + storage;
    if (std::isinf(r.output_error_bound)) {  // tail_bound = +inf: a vacuous bound, which every output meets
      r.output_within_bound = true;
    } else if (!std::isfinite(r.output_rounding)) {  // no finite allowance: not judged (left empty), said so
      r.note += (r.note.empty() ? "" : "; ") +
                std::string("output not judged: the rounding model bounds nothing for this kernel's arithmetic");
    } else {
      r.output_within_bound = r.output_error <= r.output_error_bound + r.output_rounding;
      if (!*r.output_within_bound) {
        r.note += (r.note.empty() ? "" : "; ") + std::string("output error exceeds the kernel's output-error bound");
      }
    }
  }
  return r;
}

}  // namespace vashista
