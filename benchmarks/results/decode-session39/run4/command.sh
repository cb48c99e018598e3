#!/bin/bash
# Session 39 run 4 (H200): fs (fs.diff): the few-row form's key steps and zeros loaded a block ahead into registers
# instead of staged, so its 4-bit stage is 512 bytes smaller and four-row splits may take 12 blocks (the plan then
# leaves the residual items room in the wave). Objects in var39a.tgz on the tree's carry38c.tgz; timed against the
# tree in one process, then the variant's KV, decode-step and graph tests.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz && tar xzf build/var39a.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="16,32,8,8192;16,32,8,8229;16,32,8,8250;8,32,8,32768;8,32,8,32805;1,32,8,131072;1,32,8,131109;4,32,16,32805;1,32,32,32805"
VARS="r39fs" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT timeout 300 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests /tmp/v_r39fs/ && cd /tmp/v_r39fs &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests.txt
