#pragma once
// The worker threads of a run (`--threads`, docs/cli.md). Results never depend on the count (every
// parallel loop writes each output once; solvers/hull_projection.cpp), only the time does.
namespace vashista {

/// Most worker threads a run may use. More than the cores only slows a run down (20000 threads: 11 s
/// instead of 0.07 s on the bundled trace, development box), and at 100000 libgomp could not create them
/// and the process crashed (segmentation fault), from --threads or OMP_NUM_THREADS alike.
constexpr int kMaxThreads = 1024;

/// A run's thread request, applied to every OpenMP region started on this thread while the object lives
/// (omp_set_num_threads: the solvers' own batch loops too, not only the loop over queries); the previous
/// setting is restored on destruction. requested: 1..kMaxThreads, or 0 for OpenMP's default (all cores, or
/// OMP_NUM_THREADS), which must itself be at most kMaxThreads. Error(usage) otherwise, naming --threads or
/// OMP_NUM_THREADS.
class ThreadCount {
 public:
  explicit ThreadCount(int requested);
  ~ThreadCount();
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
  int count() const { return count_; }

 private:
  int previous_;
  int count_;
};

}  // namespace vashista
