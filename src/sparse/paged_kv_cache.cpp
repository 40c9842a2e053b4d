#include "sparse/paged_kv_cache.hpp"

#include "core/error.hpp"

#include <algorithm>

namespace vashista {

PagedKVCache::PagedKVCache(int page_size, Index dim, Index value_dim)
    : page_size_(page_size), dim_(dim), value_dim_(value_dim) {
  VASHISTA_CHECK(page_size >= 1, ErrorKind::usage, "paged KV cache: page_size {} must be >= 1", page_size);
  VASHISTA_CHECK(dim >= 1 && value_dim >= 0, ErrorKind::bad_input,
                 "paged KV cache: bad dimensions d = {}, d_v = {}", dim, value_dim);
}

void PagedKVCache::reserve(Index tokens) {
  keys_.reserve(static_cast<size_t>(tokens * dim_));
  values_.reserve(static_cast<size_t>(tokens * value_dim_));
}

void PagedKVCache::append(const Eigen::Ref<const Vector>& key) {
  VASHISTA_CHECK(value_dim_ == 0, ErrorKind::internal, "paged KV cache: append without a value but d_v = {}",
                 value_dim_);
  append(key, Vector());
}

void PagedKVCache::append(const Eigen::Ref<const Vector>& key, const Eigen::Ref<const Vector>& value) {
  VASHISTA_CHECK(key.size() == dim_ && value.size() == value_dim_, ErrorKind::bad_input,
                 "paged KV cache: token of size ({}, {}) does not match (d, d_v) = ({}, {})", key.size(),
                 value.size(), dim_, value_dim_);
  const Index slot = num_tokens_ % page_size_;
  keys_.insert(keys_.end(), key.data(), key.data() + dim_);
  values_.insert(values_.end(), value.data(), value.data() + value_dim_);
  const double vnorm = value.norm();
  if (slot == 0) {  // a new page: its metadata starts as this token's
    kmin_.insert(kmin_.end(), key.data(), key.data() + dim_);
    kmax_.insert(kmax_.end(), key.data(), key.data() + dim_);
    count_.push_back(1);
    vmax_norm_.push_back(vnorm);
  } else {
    const Index p = num_pages() - 1;
    double* lo = kmin_.data() + p * dim_;
    double* hi = kmax_.data() + p * dim_;
    for (Index j = 0; j < dim_; ++j) {
      lo[j] = std::min(lo[j], key[j]);
      hi[j] = std::max(hi[j], key[j]);
    }
    ++count_.back();
    vmax_norm_.back() = std::max(vmax_norm_.back(), vnorm);
  }
  ++num_tokens_;
}

PagedKVCache build_paged_cache(const Matrix& keys, const Matrix& values, Index length, int page_size) {
  VASHISTA_CHECK(length >= 0 && length <= keys.rows(), ErrorKind::bad_input,
                 "paged KV cache: prefix length {} outside [0, {}]", length, keys.rows());
  const bool has_values = values.rows() > 0;
  VASHISTA_CHECK(!has_values || values.rows() == keys.rows(), ErrorKind::bad_input,
                 "paged KV cache: {} values for {} keys", values.rows(), keys.rows());
  PagedKVCache cache(page_size, keys.cols(), has_values ? values.cols() : 0);
  cache.reserve(length);
  for (Index i = 0; i < length; ++i) {
    if (has_values) {
      cache.append(keys.row(i).transpose(), values.row(i).transpose());
    } else {
      cache.append(keys.row(i).transpose());
    }
  }
  return cache;
}

}  // namespace vashista
