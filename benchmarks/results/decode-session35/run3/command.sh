#!/bin/bash
# Session 35 run 3: run 2's synthetic again with a second instruction stream (two FFMA and two LOP3 chains, two
# pipes) beside the IMAD one; the SASS of both at K = 256 a half block, to check what K counts.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
python3 - <<'PY'
src = open("benchmarks/decode_budget.py").read().split('SRC = r"""')[1].split('"""')[0]
open("/tmp/pipe.cu", "w").write(src)
PY
for m in 0 1; do
    nvcc -std=c++17 -arch=sm_90 -cubin -DSTAGES=2 -DBLK=4352 -DK=256 -DMIX=$m /tmp/pipe.cu -o /tmp/pipe$m.cubin &&
        cuobjdump -sass /tmp/pipe$m.cubin > $OUT/pipe_mix${m}_k256_sass.txt
    echo "MIX=$m: $(grep -cE ' IMAD |FFMA|LOP3' $OUT/pipe_mix${m}_k256_sass.txt) IMAD/FFMA/LOP3 in the kernel"
done
python3 benchmarks/decode_budget.py --out $OUT
