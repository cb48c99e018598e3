#!/bin/bash
# Session 31 run 7: the tree (the combine's batch 4 or 8 by run length, loads past a run predicated off) against
# its parent 822d2df (_diag/prev/attn_decode.o, the parent's build), in one process (abn.py, 6 rounds); the whole GPU
# suite and the sanitizers; the record (decode.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
mkdir -p /tmp/v_prev/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_prev/ &&
    cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_prev/build/ && cp _diag/prev/attn_decode.o /tmp/v_prev/build/temp.linux-x86_64-cpython-312/cuda/
(cd /tmp/v_prev && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_prev.log 2>&1) || echo prev build failed
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_FORMS=4s,2s,4e python3 benchmarks/results/decode-session31/abn.py 6 /tmp/v_prev . 2>&1 | grep -v -i warn | tee $OUT/abn.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; cat $OUT/check.txt
python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
