#!/bin/bash
# Session 35 run 5: 8-bit against 4-bit tensor-core products on this GPU (benchmarks/mma_subbyte_rate.py), and the
# SASS each PTX form becomes for sm_90a.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
python3 - <<'PY'
src = open("benchmarks/mma_subbyte_rate.py").read().split('SRC = r"""')[1].split('"""')[0]
open("/tmp/mma.cu", "w").write(src)
PY
for f in u8.s8:m16n8k32 u4.s4:m16n8k64; do
    t=${f%%:*}; g=${f##*:}
    nvcc -arch=sm_90a -cubin -DMMA="\"mma.sync.aligned.$g.row.col.s32.$t.s32\"" /tmp/mma.cu -o /tmp/mma.cubin &&
        cuobjdump -sass /tmp/mma.cubin > $OUT/sass_$t.txt
    echo "$t $g: $(grep -cE '^\s+/\*[0-9a-f]{4}\*/' $OUT/sass_$t.txt) SASS lines, $(grep -c IMMA $OUT/sass_$t.txt) IMMA"
    grep -m2 IMMA $OUT/sass_$t.txt
done
python3 benchmarks/mma_subbyte_rate.py --out $OUT
