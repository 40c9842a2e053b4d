# All dependencies come from Debian packages (see scripts/install-deps.sh); nothing is downloaded.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)          # libeigen3-dev
find_package(CLI11 REQUIRED)                         # libcli11-dev
find_package(fmt REQUIRED)                           # libfmt-dev
find_package(Boost 1.74 REQUIRED)                    # libboost-math-dev (header-only Boost.Math)
find_package(HDF5 REQUIRED COMPONENTS C)             # libhdf5-dev
find_package(doctest REQUIRED)                       # doctest-dev
find_package(nlohmann_json 3 REQUIRED)               # nlohmann-json3-dev (JSON reports)
find_package(OpenMP REQUIRED COMPONENTS CXX)         # libgomp (threads over queries)
find_package(Threads REQUIRED)
find_package(benchmark QUIET)                        # libbenchmark-dev
