#!/bin/bash
# Session 44 run 1 (H200): query rows per work item (_C.decode_rows_per_item, new; carry44a.tgz). GQA 5:1 to 8:1 at
# D = 128 in tiles of 4 (or 3) rows against the default (8 rows, WD_FEW8), at D = 64 and 96 too; the issue's GQA 4:1
# shapes in tiles of 2 and 1; two query tokens at MHA in tiles of 1. rows.py times one call per setting in turns and
# checks the outputs bit-equal to the default's.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
R=benchmarks/results/decode-session44/run1/rows.py
run() { timeout 120 python3 $R "$@" 2>&1 | grep -v -i warn; }
{
for b in 4 2; do
    run "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072" "0,4,2" $b
    run "1,40,8,32768;1,28,4,32768;4,56,8,32768;1,56,8,131072" "0,4,3" $b
done
run "8,32,8,32768;16,32,8,8192;1,32,8,131072;1,32,32,32768,2" "0,2,1" 4
run "8,64,8,32768,1,37;1,64,8,32768,1,37;16,32,8,8192,1,37" "0,4,2" 4
RES_D=64 run "1,64,8,32768;1,32,4,32768;1,14,2,32768;8,64,8,32768" "0,4" 4
RES_D=96 run "1,64,8,32768;1,32,32,32768,8;4,40,8,32768" "0,4" 4
} > $OUT/rows.txt
grep "us:" $OUT/rows.txt
