# Instruction set and floating-point contraction of the C++ code.
#
# VASHISTA_ARCH decides the instruction set (-march) of every C++ target:
#   AUTO (default)  x86-64-v3 (AVX2 + FMA) when the compiler accepts it and the build machine can run it,
#                   else the compiler's baseline. The exact projection's batches price the keys by GEMM,
#                   which FMA makes ~1.4x faster (docs/benchmarks.md, "Session 11").
#   OFF             the compiler's baseline (SSE2 on x86-64): a binary for any x86-64 machine.
#   anything else   passed as -march=<value> (e.g. native, x86-64-v3, x86-64-v4).
# A binary built with AUTO on an AVX2 machine does not start on a machine without AVX2 (SIGILL): build
# with -DVASHISTA_ARCH=OFF to carry it to older machines.
#
# Floating-point contraction is off in every build (-ffp-contract=off): every + and * written in the
# solvers and bounds is rounded on its own, as the rounding model of docs/theory.md (section 3,
# numerics) assumes; the compiler never fuses them into an FMA behind the analysis' back. Dot products
# and matrix products (Eigen's kernels, which use FMA instructions explicitly when the instruction set
# has them) are bounded by gamma_d for any order and any fusing, so they may use FMA.
set(VASHISTA_ARCH AUTO CACHE STRING "Instruction set of the C++ code: AUTO (x86-64-v3 where it runs), OFF, or a -march value")

add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-ffp-contract=off>)

set(vashista_march "")
if(VASHISTA_ARCH STREQUAL "AUTO")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND NOT CMAKE_CROSSCOMPILING)
    include(CheckCXXSourceRuns)
    set(CMAKE_REQUIRED_FLAGS "-march=x86-64-v3")
    set(CMAKE_REQUIRED_QUIET ON)
    check_cxx_source_runs([=[
      int main() {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2") &&
                       __builtin_cpu_supports("avx")
                   ? 0
                   : 1;
      }]=] VASHISTA_HAVE_X86_64_V3)
    unset(CMAKE_REQUIRED_FLAGS)
    unset(CMAKE_REQUIRED_QUIET)
    if(VASHISTA_HAVE_X86_64_V3)
      set(vashista_march "x86-64-v3")
    endif()
  endif()
elseif(NOT VASHISTA_ARCH STREQUAL "OFF")
  set(vashista_march "${VASHISTA_ARCH}")
endif()

if(vashista_march)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-march=${vashista_march}>)
  message(STATUS "vashista: C++ instruction set -march=${vashista_march} (VASHISTA_ARCH=${VASHISTA_ARCH})")
else()
  message(STATUS "vashista: C++ instruction set: the compiler's baseline (VASHISTA_ARCH=${VASHISTA_ARCH})")
endif()
