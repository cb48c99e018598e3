#!/bin/bash
# Session 43 run 10 (H200): the final tree (carry43d.tgz). Where the residual item's 13-20 us go (run 9): Nsight Compute
# source counters on the warp kernel of case.py (half its warps residual items), read with ncu_decode_lines.py.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
export TURBOATTN_DECODE_RESIDUAL=warp
python3 benchmarks/results/decode-session43/run10/case.py
timeout 200 ncu --section SourceCounters --section WarpStateStats -k regex:decode_warp_kernel -s 2 -c 1 \
    -o /tmp/res_src -f python3 benchmarks/results/decode-session43/run10/case.py > $OUT/ncu.log 2>&1
echo "ncu rc=$?"
ncu -i /tmp/res_src.ncu-rep --page source --csv --print-source sass | gzip > $OUT/source_sass.csv.gz
ncu -i /tmp/res_src.ncu-rep --page details --csv > $OUT/details.csv 2>&1
tail -3 $OUT/ncu.log
