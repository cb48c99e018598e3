#!/bin/bash
# Session 33 run 3, on the tree 88334a4 (+ comments): per-warp phase clocks (tl.diff, a diagnostic attn_decode_warp.o, run by
# tl_clocks.py; read with tl_phases.py); then the whole GPU suite and the sanitizers, and the record (decode.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33c.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
R=benchmarks/results/decode-session33/run3
mkdir -p /tmp/v_tl/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_tl/ &&
    cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_tl/build/ && cp _diag/tl/attn_decode_warp.o /tmp/v_tl/build/temp.linux-x86_64-cpython-312/cuda/ &&
    (cd /tmp/v_tl && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_tl.log 2>&1) &&
    timeout 120 python3 $R/tl_clocks.py /tmp/v_tl > $OUT/tl_raw.txt 2> $OUT/tl_err.txt
python3 $R/tl_phases.py $OUT/tl_raw.txt 2>&1 | tee $OUT/tl_phases.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 240 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -15 $OUT/check.txt
timeout 150 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
