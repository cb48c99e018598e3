#!/bin/bash
# Session 35 run 2: the instruction budget of a per-warp cp.async pipeline at the decode kernel's grid (synthetic,
# benchmarks/decode_budget.py), with the SASS of one variant to check that K counts what it says.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
python3 - <<'PY'
src = open("benchmarks/decode_budget.py").read().split('SRC = r"""')[1].split('"""')[0]
open("/tmp/pipe.cu", "w").write(src)
PY
nvcc -std=c++17 -arch=sm_90 -cubin -DSTAGES=2 -DBLK=4352 -DK=256 /tmp/pipe.cu -o /tmp/pipe.cubin &&
    cuobjdump -sass /tmp/pipe.cubin > $OUT/pipe_k256_sass.txt && grep -c IMAD $OUT/pipe_k256_sass.txt
python3 benchmarks/decode_budget.py --out $OUT
