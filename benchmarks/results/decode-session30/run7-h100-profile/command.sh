#!/bin/bash
# session 30 run 7 (H100): where the warp kernel's instructions and stalls are on 9e83a19 (values block-major):
# Nsight Compute source counters (benchmarks/gpu_stalls_decode.sh MODE=source) of the one-row form at
# (1,32,32,32k), 4 and 2 bits, and of the few-row form at (8,32,8,32k), 4 bits; then the throughput metrics.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry30.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
mkdir -p $O/one $O/few
OUT=$O/one MODE=source SHAPE="1 32 32 32768" BITS="4 2" bash benchmarks/gpu_stalls_decode.sh
OUT=$O/few MODE=source SHAPE="8 32 8 32768" BITS=4 bash benchmarks/gpu_stalls_decode.sh
rm -f $O/*/ncu_source_*.log
OUT=/tmp/st MODE=stalls SHAPE="1 32 32 32768" BITS=4 bash benchmarks/gpu_stalls_decode.sh | tee $O/stalls.txt
OUT=/tmp/st MODE=stalls SHAPE="8 32 8 32768" BITS=4 bash benchmarks/gpu_stalls_decode.sh | tee -a $O/stalls.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
