#!/bin/bash
# Session 40 run 4 (H200): the few-row form over two quads (WD_FEW8) with fewer live registers: few8d (few8d.diff)
# reads the block's codes again for the second quad and counts each quad's clamps in its turn (keys and values),
# the stage released after the last quad's reads; rows_alloc 5-7 are given 8 (the second quad's clamp counts pass
# through rows 4..7 of the block's score place). At the few-row row's occupancy (D = 128: 3 CTAs an SM, D = 64: 4);
# few8e the same one CTA an SM fewer (2, 3); Timed against the tree in one process at D = 128 and
# 64, then the KV, decode-step and graph tests of few8d and few8e. Objects in var40c.tgz on the tree's carry40a.tgz.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40a.tgz && tar xzf build/var40c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072;4,40,8,32768;1,64,8,32805;8,32,8,32768;1,32,32,32768"
VARS="few8d few8e" FORMS=4s,2s,4e ROUNDS=4 LOGS=$OUT timeout 240 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
ABN_D=64 ABN_SHAPES="1,64,8,32768;8,64,8,32768;1,64,8,131072;4,40,8,32768" VARS="few8d few8e" FORMS=4s,2s \
    ROUNDS=4 LOGS=$OUT timeout 120 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab64.txt
for v in few8d few8e; do
    rm -rf /tmp/v_$v/tests && cp -r tests /tmp/v_$v/ && (cd /tmp/v_$v &&
        TURBOATTN_CUDA=1 timeout 100 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 |
        tail -2 | tee $OUT/tests_$v.txt)
done
