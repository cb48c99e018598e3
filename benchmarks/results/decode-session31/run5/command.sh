#!/bin/bash
# Session 31 run 5: the tree (B) against V1 = the combine folding 16 splits a load round instead of 8
# (_diag/V1/v1.o: attn_decode.o, sm_90a) and V2 = the look-back with 16 words a group and 32 ns sleeps
# (_diag/V2/v2.o: attn_decode_warp.o, sm_90a), in one process (abn.py, 6 rounds); then tests/test_cuda_kv.py on the tree.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
for v in v1:attn_decode v2:attn_decode_warp; do
    n=${v%%:*}; o=${v##*:}; V=${n^^}
    mkdir -p /tmp/v_$n/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_$n/ &&
        cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_$n/build/ && cp _diag/$V/$n.o /tmp/v_$n/build/temp.linux-x86_64-cpython-312/cuda/$o.o
    (cd /tmp/v_$n && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_$n.log 2>&1) || echo $n build failed
done
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_FORMS=4s,2s,4e python3 benchmarks/results/decode-session31/abn.py 6 . /tmp/v_v1 /tmp/v_v2 2>&1 | grep -v -i warn | tee $OUT/abn.txt
python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py 2>&1 | tail -2 | tee $OUT/test_cuda_kv.txt
