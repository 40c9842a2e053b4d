#!/usr/bin/env bash
# Installs every Debian 12 package vashista needs to build, test, benchmark and plot.
# Idempotent: installs only what is missing. Must run as root (or with sudo available).
set -euo pipefail
packages=(
  build-essential cmake pkg-config git
  libeigen3-dev libcli11-dev libboost-math-dev libfmt-dev libhdf5-dev doctest-dev
  nlohmann-json3-dev libbenchmark-dev libomp-dev hdf5-tools
  python3 python3-numpy python3-h5py python3-matplotlib python3-scipy python3-cvxopt
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
