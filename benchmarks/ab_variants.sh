#!/bin/bash
# The tree against copies of it whose CUDA objects are replaced by those in _diag/<v>/ (any of the build's object names,
# e.g. attn_decode_warp.o, attn_decode.o; compiled for sm_90a alone is enough on the device), all timed in one process
# by benchmarks/results/decode-session31/abn.py (calls in turns, rounds alternating, each output compared bit for bit
# with the tree's). Run on the device from the repository root, after the tree is built (its objects in
# build/temp.linux-x86_64-cpython-312). Diagnostic objects whose outputs are wrong by design show "differ".
# Usage: VARS="v1 v2" [FORMS=4s,2s] [ROUNDS=4] [LOGS=dir for the variants' build logs] bash benchmarks/ab_variants.sh
set -uo pipefail
FORMS=${FORMS:-4s,2s}
ROUNDS=${ROUNDS:-4}
LOGS=${LOGS:-/tmp}
OBJ=build/temp.linux-x86_64-cpython-312/cuda
t0=$(date +%s)
dirs=()
for v in $VARS; do
    mkdir -p /tmp/v_$v/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_$v/ &&
        cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_$v/build/
    for o in _diag/$v/*.o; do
        [[ -e $OBJ/$(basename "$o") ]] && cp "$o" /tmp/v_$v/$OBJ/ || echo "$v: $(basename "$o") is not one of the build's objects"
    done
    (cd /tmp/v_$v && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $LOGS/build_$v.log 2>&1)
    echo "$v build rc=$? ($(( $(date +%s) - t0 )) s)"
    dirs+=(/tmp/v_$v)
done
echo "== the tree, then: $VARS"
ABN_FORMS=$FORMS python3 benchmarks/results/decode-session31/abn.py $ROUNDS $PWD "${dirs[@]}" 2>&1 | grep -v -i warn
echo "($(( $(date +%s) - t0 )) s)"
