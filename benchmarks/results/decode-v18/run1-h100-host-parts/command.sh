#!/bin/bash
# session 21 decode-v18 run 1 (H100): where the host time of a decode call and of a 32k compression goes, tree
# 0837a98 (+ timeline.py's compress mode). GPU timelines of single calls (timeline.py), host pieces of one decode
# call (decode_host_parts.py) and of one compression (decode-v17 run 7's compress_host.py, run here for the first time; the run read a copy of it in this folder,
# byte for byte the same, removed afterwards).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv,noheader
which nsys ncu 2>&1 | head -2
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
R=benchmarks/results/decode-v18/run1-h100-host-parts
{
for a in "decode 1 32 32 32768" "decode 8 32 8 32768" "compress 1 8 32768"; do
  PYTHONPATH=$PWD python3 benchmarks/timeline.py $a 2>&1 | grep -v -i warn
done
PYTHONPATH=$PWD python3 benchmarks/decode_host_parts.py 2>&1 | grep -v -i warn
PYTHONPATH=$PWD python3 benchmarks/results/decode-v17/run7-h100-compress-host/compress_host.py 2>&1 | grep -v -i warn
} | tee $OUT/host_parts.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
