#pragma once
// Paged KV cache of one (sequence, KV head) with the per-page routing metadata of docs/kernel.md,
// kept up to date on every append (never recomputed):
//   kmin_p = element-wise min_{i in p} k_i,  kmax_p = element-wise max_{i in p} k_i   (in R^d)
//   c_p    = number of tokens in page p     (B for every page but possibly the last)
//   vmax_p = max_{i in p} ||v_i||_2         (0 when the cache holds no values)
// Page p holds tokens [p*B, min((p+1)*B, n)). Storage is double, row-major (core/conventions.hpp).
#include "core/conventions.hpp"

#include <vector>

namespace vashista {

class PagedKVCache {
 public:
  /// value_dim may be 0 (weights-only analysis: no values, vmax_p = 0).
  PagedKVCache(int page_size, Index dim, Index value_dim);

  /// Appends one token and updates the metadata of its page (O(d + d_v)).
  void append(const Eigen::Ref<const Vector>& key, const Eigen::Ref<const Vector>& value);
  /// Appends a token without a value (value_dim must be 0).
  void append(const Eigen::Ref<const Vector>& key);
  void reserve(Index tokens);

  int page_size() const { return page_size_; }
  Index dim() const { return dim_; }
  Index value_dim() const { return value_dim_; }
  Index num_tokens() const { return num_tokens_; }
  Index num_pages() const { return static_cast<Index>(count_.size()); }
  Index page_begin(Index p) const { return p * page_size_; }
  Index page_end(Index p) const { return page_begin(p) + count_[static_cast<size_t>(p)]; }

  Eigen::Map<const Vector> key(Index i) const { return {keys_.data() + i * dim_, dim_}; }
  Eigen::Map<const Vector> value(Index i) const { return {values_.data() + i * value_dim_, value_dim_}; }
  Eigen::Map<const Vector> kmin(Index p) const { return {kmin_.data() + p * dim_, dim_}; }
  Eigen::Map<const Vector> kmax(Index p) const { return {kmax_.data() + p * dim_, dim_}; }
  Index count(Index p) const { return count_[static_cast<size_t>(p)]; }
  double vmax_norm(Index p) const { return vmax_norm_[static_cast<size_t>(p)]; }

 private:
  int page_size_;
  Index dim_, value_dim_;
  Index num_tokens_ = 0;
  std::vector<double> keys_, values_;        // n x d, n x d_v
  std::vector<double> kmin_, kmax_;          // pages x d
  std::vector<Index> count_;                 // c_p
  std::vector<double> vmax_norm_;            // max ||v|| per page
};

/// Builds a cache holding rows [0, length) of keys and values (values may be 0 x 0).
PagedKVCache build_paged_cache(const Matrix& keys, const Matrix& values, Index length, int page_size);

}  // namespace vashista
