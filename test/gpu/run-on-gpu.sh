#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU (or a Mac): builds the addon with its GPU backend,
# shows what initialised, runs the kernel conformance tests (every available backend against the
# TypeScript reference, the resident vector index included) and the benchmarks, the resident index's
# repeated-query benchmark on every available backend among them. Usage: bash test/gpu/run-on-gpu.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/../.."
export MILENS_REQUIRE_NATIVE=1
npx node-gyp rebuild -j max
node -e "require('node-gyp-build')('.').backends().forEach((b) => console.log(b.name, b.available ? 'available: ' + b.device : 'unavailable: ' + b.reason))"
npx vitest run test/native test/main/compute test/main/bench
# Energy: the NVML source must be available on a GPU machine; the CUDA and CPU similarity and KSG
# workloads are measured with it (joules per operation above idle, per GPU and RAPL where readable).
npm run build --silent
node bin/milens.js doctor --json | node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8')); for (const c of r.energyCounters) console.log('energy counter', c.name, c.available ? 'available' : 'unavailable: ' + c.reason)"
node bin/milens.js bench --workload similarity-top10 ksg-mi --trials 5 --out bench-gpu.json
if [ "${1:-}" = "--quick" ]; then
  node scripts/bench/similarity.mjs --count 200000
  node scripts/bench/similarity-index.mjs --count 200000 --queries 10
  node scripts/bench/ksg-scaling.mjs --max 100000
else
  node scripts/bench/similarity.mjs
  node scripts/bench/similarity-index.mjs
  node scripts/bench/similarity-index.mjs --dtype int8
  node scripts/bench/ksg-scaling.mjs
fi
