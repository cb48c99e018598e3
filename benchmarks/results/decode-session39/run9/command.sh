#!/bin/bash
# Session 39 run 9 (H200): the generation loop (benchmarks/decode_loop.py: per token, every one of 32 layers appends
# and attends; B = 1, N = 32k, 4 bits) on the tree a29278e (carry39a.tgz), GQA 4:1 and MHA, as session 22 ran it on
# an H100 (decode-v19/run1-h100-step): append then attend, the one-call step, and SDPA flash on an FP16 cache.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
tar xzf build/carry39a.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
for cfg in "gqa --hkv 8" "mha --hkv 32"; do
    set -- $cfg; name=$1; shift
    echo "== $name: $*"
    timeout 150 python3 benchmarks/decode_loop.py --out $OUT/$name --methods turboattn,turboattn_step,sdpa_flash "$@" 2>&1 | grep -v -i warn
done | tee $OUT/loop.txt
