#!/bin/bash
# Session 31 run 6: the tree (B) against V3 = the combine's loads past a warp's run of splits predicated off instead
# of reading a valid split (_diag/V3/v3.o) and V4 = the combine folding 4 splits a load round instead of 8
# (_diag/V4/v4.o); both attn_decode.o, sm_90a; in one process (abn.py, 6 rounds).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
for n in v3 v4; do
    V=${n^^}
    mkdir -p /tmp/v_$n/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_$n/ &&
        cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_$n/build/ && cp _diag/$V/$n.o /tmp/v_$n/build/temp.linux-x86_64-cpython-312/cuda/attn_decode.o
    (cd /tmp/v_$n && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_$n.log 2>&1) || echo $n build failed
done
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_FORMS=4s,2s,4e python3 benchmarks/results/decode-session31/abn.py 6 . /tmp/v_v3 /tmp/v_v4 2>&1 | grep -v -i warn | tee $OUT/abn.txt
