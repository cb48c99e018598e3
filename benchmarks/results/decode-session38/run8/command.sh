#!/bin/bash
# Session 38 run 8: run 7 again, with the image units built WD_IMG_BATCH rows a lane at a time (tree.diff over
# 0a9983d; carry38b.tgz holds its objects) against r38orig (0a9983d's attn_decode.o and attn_decode_warp.o) in one
# process: the signs below are orig against the new tree. Then the new tree's KV, decode-step and graph test files.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38b.tgz && tar xzf build/var38f.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32805;8,32,8,32805;16,32,8,8229;1,32,8,131109;2,32,4,32805;16,32,8,8250;1,32,32,32768;16,32,8,8192"
VARS="r38orig" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
TURBOATTN_CUDA=1 timeout 300 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests.txt
