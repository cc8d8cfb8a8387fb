#!/usr/bin/env bash
# Compiles every CUDA kernel with nvcc, compile only (no GPU needed), with the flags binding.gyp uses.
# CI runs it where nvcc exists (npm run check:cuda); it exits 0 with a note where nvcc is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(MILENS_WITH_CUDA=1 node native/cuda/detect-nvcc.mjs)"
if [ -z "$root" ]; then
  echo "check:cuda skipped: nvcc not found (set CUDA_PATH or put nvcc on PATH)"
  exit 0
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
status=0
for source in native/cuda/*.cu; do
  name="$(basename "$source" .cu)"
  if "$root/bin/nvcc" -c -O3 -std=c++17 -Xcompiler -fPIC \
      -gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90,code=compute_90 \
      -o "$out/$name.o" "$source"; then
    echo "ok   $source"
  else
    echo "FAIL $source"
    status=1
  fi
done
# The host side of the backend is plain C++ against the CUDA runtime headers.
if g++ -std=c++17 -fsyntax-only -DMILENS_WITH_CUDA -I"$root/include" native/cuda/cuda_backend.cc; then
  echo "ok   native/cuda/cuda_backend.cc"
else
  echo "FAIL native/cuda/cuda_backend.cc"
  status=1
fi
exit $status
