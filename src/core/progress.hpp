#pragma once
// Progress on stderr for long runs: silent for the first `quiet_seconds`, then at most one line
// per `interval_seconds`. Thread-safe: workers call advance(); any thread may print.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace vashista {

class Progress {
 public:
  Progress(std::string label, long long total, bool enabled, double quiet_seconds = 2.0,
           double interval_seconds = 1.0)
      : label_(std::move(label)), total_(total), enabled_(enabled), quiet_(quiet_seconds),
        interval_(interval_seconds), start_(Clock::now()), last_(start_) {}

  /// Add `count` finished units; maybe print "label: done/total (pct%), elapsed, eta".
  void advance(long long count = 1, const std::string& detail = "") {
    long long done = done_.fetch_add(count) + count;
    if (!enabled_) return;
    auto now = Clock::now();
    double elapsed = seconds(now - start_);
    if (elapsed < quiet_) return;
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || seconds(now - last_) < interval_) return;
    last_ = now;
    double fraction = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 0.0;
    double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
    std::fprintf(stderr, "%s: %lld/%lld (%.0f%%), %.1f s elapsed, ~%.0f s left%s%s\n", label_.c_str(), done,
                 total_, 100.0 * fraction, elapsed, eta, detail.empty() ? "" : ", ", detail.c_str());
    printed_ = true;
  }

  /// Print a closing line if any progress line was printed.
  void finish() {
    if (enabled_ && printed_) {
      std::fprintf(stderr, "%s: done, %lld units in %.1f s\n", label_.c_str(), done_.load(),
                   seconds(Clock::now() - start_));
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  std::string label_;
  long long total_;
  bool enabled_;
  double quiet_, interval_;
  Clock::time_point start_, last_;
  std::atomic<long long> done_{0};
  std::mutex mutex_;
  bool printed_ = false;
};

}  // namespace vashista
