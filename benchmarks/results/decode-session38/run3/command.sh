#!/bin/bash
# Session 38 run 3: why the chained residual split costs 20-25 us. The tree (0a9983d) against
# chain0 (chain whose residual split attends no block: its fixed work only; outputs differ by design), then
# timeline.py on chainT (chain with globaltimer stamps printed every 8th call), chained and with the residual
# items on their own (TURBOATTN_DECODE_RESIDUAL=warp).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var38c.tgz
cp _diag/r38chain/attn_decode.o _diag/r38chain0/ && cp _diag/r38chain/attn_decode.o _diag/r38chainT/ # chain's launcher
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32805;8,32,8,32805;16,32,8,8229;1,32,8,131109"
VARS="r38chain0" FORMS=4s ROUNDS=4 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
OBJ=build/temp.linux-x86_64-cpython-312/cuda
mkdir -p /tmp/v_T/build && cp -r setup.py pyproject.toml README.md csrc turboattn /tmp/v_T/ && cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_T/build/ &&
    cp _diag/r38chainT/*.o /tmp/v_T/$OBJ/ && (cd /tmp/v_T && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_T.log 2>&1)
python3 benchmarks/results/decode-session38/run3/timeline.py /tmp/v_T 2>&1 | tee $OUT/timeline.txt
