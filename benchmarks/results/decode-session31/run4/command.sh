#!/bin/bash
# Session 31 run 4: the tree (B: the look-back's words a group at a time) against F = B with q's check fencing only
# after a mark (_diag/F/f.o: attn_decode_warp.o from _diag/F/src, sm_90a), in one process (abn.py, 6 rounds); the
# whole GPU suite and the sanitizers on the tree; then the record (decode.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
mkdir -p /tmp/v_f/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_f/ &&
    cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_f/build/ && cp _diag/F/f.o /tmp/v_f/build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o
(cd /tmp/v_f && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_f.log 2>&1) || echo f build failed
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_FORMS=4s,2s python3 benchmarks/results/decode-session31/abn.py 6 . /tmp/v_f 2>&1 | grep -v -i warn | tee $OUT/abn.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -6 $OUT/check.txt
python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -12
