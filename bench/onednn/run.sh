#!/usr/bin/env bash
# Builds and runs compare.cc against Debian's oneDNN (apt-get install libdnnl-dev), one thread.
set -euo pipefail
cd "$(dirname "$0")"
out="$(mktemp -d)"
g++ -O3 -std=gnu++17 -fno-math-errno -ffp-contract=fast -c ../../native/kernels-avx512.cc -o "$out/avx512.o" -mavx2 -mfma -mavx512f -mprefer-vector-width=512
g++ -O3 -std=gnu++17 -fno-math-errno -ffp-contract=fast -c ../../native/kernels-avx2.cc -o "$out/avx2.o" -mavx2 -mfma -Wno-psabi
g++ -O3 -std=gnu++17 -fno-math-errno -ffp-contract=fast -c ../../native/kernels-generic.cc -o "$out/generic.o" -Wno-psabi
g++ -O2 -std=gnu++17 compare.cc "$out"/*.o -o "$out/compare" -ldnnl
OMP_NUM_THREADS=1 DNNL_VERBOSE=0 "$out/compare"
