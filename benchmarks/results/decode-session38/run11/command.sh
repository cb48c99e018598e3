#!/bin/bash
# Session 38 run 11: run 10's self3 with globaltimer stamps (r38selfT: selfT.diff over self3), timeline.py on the
# one-row and (8,32,8,32k) shapes with 37 residual rows, the plan's image (the items') and the image kernel's
# (run 3's timeline.py with TL_SHAPES, TL_KNOB and TL_LABEL).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz && tar xzf build/var38h.tgz
rm -f turboattn/_C*.so
OBJ=build/temp.linux-x86_64-cpython-312/cuda
mkdir -p /tmp/v_T/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_T/ && cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_T/build/ &&
    cp _diag/r38selfT/*.o /tmp/v_T/$OBJ/ && (cd /tmp/v_T && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_T.log 2>&1)
TL_SHAPES="1,32,32,32805;8,32,8,32805" TL_KNOB=image TL_LABEL="items build the image" python3 benchmarks/results/decode-session38/run3/timeline.py /tmp/v_T 2>&1 | tee $OUT/timeline.txt
