#!/bin/bash
# The tree (A) against copies of it whose attn_decode_warp.o is replaced by _diag/<v>/attn_decode_warp.o (B), both
# timed in one process by benchmarks/results/decode-session29/abinproc.py (calls in turns, rounds alternating, B's
# output compared bit for bit). Run on the device from the repository root, after the tree is built (its objects in
# build/temp.linux-x86_64-cpython-312); a B object compiled for sm_90a alone is enough there. Diagnostic objects whose
# outputs are wrong by design show "differ".
# Usage: VARS="v1 v2" [FORMS=4s,2s] [ROUNDS=4] [LOGS=dir for the variants' build logs] bash benchmarks/ab_variants.sh
set -uo pipefail
FORMS=${FORMS:-4s,2s}
ROUNDS=${ROUNDS:-4}
LOGS=${LOGS:-/tmp}
t0=$(date +%s)
for v in $VARS; do
    mkdir -p /tmp/v_$v/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_$v/ &&
        cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_$v/build/
    cp _diag/$v/attn_decode_warp.o /tmp/v_$v/build/temp.linux-x86_64-cpython-312/cuda/
    (cd /tmp/v_$v && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $LOGS/build_$v.log 2>&1)
    echo "$v build rc=$? ($(( $(date +%s) - t0 )) s)"
done
for v in $VARS; do
    echo "== the tree (A) against $v (B)"
    ABDEC_FORMS=$FORMS python3 benchmarks/results/decode-session29/abinproc.py $PWD /tmp/v_$v $ROUNDS 2>&1 | grep -v -i warn
    echo "($(( $(date +%s) - t0 )) s)"
done
