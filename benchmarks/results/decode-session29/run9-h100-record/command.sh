#!/bin/bash
# session 29 run 9 (H100): the decode record (benchmarks/decode.py, twice) on the final tree (key and value quads,
# 334f22a; run 8 ran the whole GPU suite and the sanitizers on it).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$?"
for i in 1 2; do
  python3 benchmarks/decode.py --out $O/decode-$i > $O/decode-$i.log 2>&1; echo "decode-$i rc=$? ($(( $(date +%s) - t0 )) s)"
done
tail -7 $O/decode-1.log
tail -7 $O/decode-2.log
