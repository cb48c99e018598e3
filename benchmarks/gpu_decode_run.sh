#!/bin/bash
# One device call for the CUDA decode stage: build, CUDA KV-cache/decode tests, decode benchmark.
# Usage (on the GPU machine, repository root): OUT=/some/dir bash benchmarks/gpu_decode_run.sh [--quick]
# Writes under $OUT: gpu.txt, build.log, test_cuda_kv.log, decode.json, decode.md, bench.log.
set -o pipefail
OUT=${OUT:-/tmp/decode_out}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw \
    --format=csv > "$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"
t0=$(date +%s)
if ! python3 setup.py -q build_ext --inplace > "$OUT/build.log" 2>&1; then
    tail -40 "$OUT/build.log"
    exit 1
fi
echo "build: $(( $(date +%s) - t0 )) s"
python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > "$OUT/test_cuda_kv.log" 2>&1
echo "tests rc=$?"
grep -E "passed|failed|error" "$OUT/test_cuda_kv.log" | tail -5
grep -E "^(FAILED|ERROR)|Error|assert" "$OUT/test_cuda_kv.log" | head -30
python3 benchmarks/decode.py --out "$OUT" "$@" > "$OUT/bench.log" 2>&1
echo "bench rc=$?"
tail -25 "$OUT/bench.log"
