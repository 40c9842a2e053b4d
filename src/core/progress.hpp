#pragma once
// Progress on stderr for long runs: silent for the first `quiet_seconds`, then at most one line
// per `interval_seconds`. Thread-safe: workers call advance(); any thread may print.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace vashista {

class Progress {
 public:
  Progress(std::string label, long long total, bool enabled, double quiet_seconds = 2.0,
           double interval_seconds = 1.0);

  /// Add `count` finished units; maybe print "label: done/total (pct%), elapsed, ~left, detail".
  void advance(long long count = 1, const std::string& detail = "");

  /// Print a closing line if any progress line was printed.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  long long total_;
  bool enabled_;
  double quiet_, interval_;
  Clock::time_point start_, last_;
  std::atomic<long long> done_{0};
  std::mutex mutex_;
  std::atomic<bool> printed_{false};
};

}  // namespace vashista
