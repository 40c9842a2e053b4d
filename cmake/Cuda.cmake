# The single place that decides whether the CUDA kernel library is built.
# VASHISTA_CUDA=AUTO builds it when a CUDA compiler is found; ON requires one; OFF never builds it.
# The result is VASHISTA_HAVE_CUDA; no other file tests for CUDA.
set(VASHISTA_HAVE_CUDA OFF)
if(NOT VASHISTA_CUDA STREQUAL "OFF")
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)   # H100 / H200
    endif()
    set(CMAKE_CUDA_STANDARD 17)   # the .cu files need C++17; CMake 3.25 cannot ask nvcc 13 for C++20
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(VASHISTA_HAVE_CUDA ON)
  elseif(VASHISTA_CUDA STREQUAL "ON")
    message(FATAL_ERROR "VASHISTA_CUDA=ON but no CUDA compiler was found")
  endif()
endif()
message(STATUS "vashista: CUDA kernel library ${VASHISTA_HAVE_CUDA}")
