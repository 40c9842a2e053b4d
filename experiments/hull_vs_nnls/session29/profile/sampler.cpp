// Session 29: a sampling profiler for hosts without perf. With SAMPLE_OUT=file in the environment, a
// CLOCK_MONOTONIC timer (SAMPLE_US microseconds, default 200; first after SAMPLE_DELAY_MS) raises SIGPROF and the handler stores the
// interrupted instruction pointer; at exit the addresses are written, one hex number per line, to the file
// (build the program with -no-pie so that the addresses are those of the executable: addr2line -i -f).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <ucontext.h>
#include <vector>

namespace {
constexpr std::size_t kMax = std::size_t{1} << 23;
unsigned long long* samples = nullptr;
std::size_t count = 0;
void on_sample(int, siginfo_t*, void* context) {
  if (count < kMax) samples[count++] = static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP];
}
struct Sampler {
  const char* out = std::getenv("SAMPLE_OUT");
  timer_t timer{};
  Sampler() {
    if (!out) return;
    samples = new unsigned long long[kMax];
    struct sigaction sa {};
    sa.sa_sigaction = on_sample;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGPROF, &sa, nullptr);
    sigevent ev{};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGPROF;
    timer_create(CLOCK_MONOTONIC, &ev, &timer);
    const long us = std::getenv("SAMPLE_US") ? std::atol(std::getenv("SAMPLE_US")) : 200;
    itimerspec spec{};
    const long delay_ms = std::getenv("SAMPLE_DELAY_MS") ? std::atol(std::getenv("SAMPLE_DELAY_MS")) : 0;
    spec.it_interval.tv_nsec = us * 1000;
    spec.it_value.tv_sec = delay_ms / 1000;
    spec.it_value.tv_nsec = (delay_ms % 1000) * 1000000 + us * 1000;
    timer_settime(timer, 0, &spec, nullptr);
  }
  ~Sampler() {
    if (!out) return;
    timer_delete(timer);
    FILE* f = std::fopen(out, "w");
    for (std::size_t i = 0; i < count; ++i) std::fprintf(f, "%llx\n", samples[i]);
    std::fclose(f);
  }
} sampler;
}  // namespace
