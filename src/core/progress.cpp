#include "core/progress.hpp"

#include <cstdio>

namespace vashista {

namespace {
double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

Progress::Progress(std::string label, long long total, bool enabled, double quiet_seconds, double interval_seconds)
    : label_(std::move(label)), total_(total), enabled_(enabled), quiet_(quiet_seconds), interval_(interval_seconds),
      start_(Clock::now()), last_(start_) {}

void Progress::advance(long long count, const std::string& detail) {
  const long long done = done_.fetch_add(count) + count;
  if (!enabled_) return;
  const auto now = Clock::now();
  const double elapsed = seconds(now - start_);
  if (elapsed < quiet_) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || seconds(now - last_) < interval_) return;
  last_ = now;
  const double fraction = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 0.0;
  const double left = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  std::fprintf(stderr, "%s: %lld/%lld (%.0f%%), %.1f s elapsed, ~%.0f s left%s%s\n", label_.c_str(), done, total_,
               100.0 * fraction, elapsed, left, detail.empty() ? "" : ", ", detail.c_str());
  printed_ = true;
}

void Progress::finish() {
  if (enabled_ && printed_) {
    std::fprintf(stderr, "%s: done, %lld units in %.1f s\n", label_.c_str(), done_.load(), seconds(Clock::now() - start_));
  }
}

}  // namespace vashista
