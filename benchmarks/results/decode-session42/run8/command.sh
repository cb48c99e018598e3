#!/bin/bash
# Session 42 run 8 (H200): the image kernel's key tile rotated a word per 8 channels (carry42e.tgz) against the final
# tree's attn_decode.o (_diag/i42, carry42d: the unrotated tile), in one process, bit for bit, with 37 residual rows at
# D = 128 and 256; the kernels of one D = 256 call; the decode tests.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py -k "residual or knob or head_dim_256 or combine" 2>&1 | tail -2
ABN_SHAPES="1,32,32,32805;16,32,8,8229;8,32,8,32805;1,32,8,32805" VARS="i42" FORMS=4s,2s ROUNDS=3 LOGS=$OUT \
    timeout 150 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab128.txt | tail -6
ABN_D=256 ABN_SHAPES="1,16,8,16421;1,8,4,32805;1,16,16,32805;8,16,8,32805" VARS="i42" FORMS=4s,2s ROUNDS=3 LOGS=$OUT \
    timeout 150 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab256.txt | tail -6
RES_D=256 timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py "1,16,8,16384;1,8,4,32768" 2>&1 |
    grep -v -i warn | tee $OUT/tl256.txt
RES_D=128 timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py "16,32,8,8192" 2>&1 |
    grep -v -i warn | tee $OUT/tl128.txt
# ab128b.txt: a second call on the same build, 8 rounds:
#   ABN_SHAPES="16,32,8,8229;1,32,32,32805;16,32,8,8192" VARS="i42" FORMS=4s,2s ROUNDS=8 bash benchmarks/ab_variants.sh
