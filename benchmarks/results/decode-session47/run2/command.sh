#!/bin/bash
# Session 47 run 2 (H200): 8-bit caches with 2 or more rows a KV head at D = 80, 96, 112 and 256 on the warp kernel's
# 8-bit few-row kernels, D = 256's at 2 CTAs an SM (run 1's faster row), and D = 96's at 2 CTAs on trial as
# variant 1 (carry47b.tgz). The KV tests; run 1's bits8_few.py. The whole suite waits for the final tree.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 150 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py -k "padded or residual_rows_in or few_row_tiles or knobs or eight or 256" > $OUT/kv_focus.txt 2>&1
rc=$?
tail -n 3 $OUT/kv_focus.txt
timeout 100 python3 benchmarks/results/decode-session47/run1/bits8_few.py --trial-dim 96 --out $OUT 2>&1 | grep -v -i warn
