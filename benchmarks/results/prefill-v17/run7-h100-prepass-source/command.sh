#!/bin/bash
# session 20 run 7 (H100): ncu source counters (SASS with execution counts) of the public quantizer's kernel on q,
# from run 6's two_kernels.py (its first kernel only). The tree's build (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
ncu --section SourceCounters --section WarpStateStats -k regex:quantize_blocks_kernel -c 1 -o /tmp/q_src -f \
    python3 benchmarks/results/prefill-v17/run6-h100-prepass-ncu/two_kernels.py > $OUT/ncu.log 2>&1
echo "ncu rc=$?"
ncu -i /tmp/q_src.ncu-rep --page source --csv --print-source sass > /tmp/source_sass.csv 2>&1
echo "export rc=$? lines=$(wc -l < /tmp/source_sass.csv)"
gzip -c /tmp/source_sass.csv > $OUT/source_sass.csv.gz
