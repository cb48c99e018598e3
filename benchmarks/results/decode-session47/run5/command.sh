#!/bin/bash
# Session 47 run 5 (H200): the final tree (carry47d.tgz, as run 4) at the records' shapes, to check that this
# session's dispatch changes left the 4-bit, 2-bit and mixed calls at D = 128 and 64 where they were: decode.py at the
# issue's four shapes, D = 128 and D = 64 (records: ../../decode-h200.md, ../../decode-h200-d64.md).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 1: attn_prefill.cu (left out of the carry)
mkdir -p $OUT/d128 $OUT/d64
timeout 250 python3 benchmarks/decode.py --out $OUT/d128 2>&1 | grep -v -i warn | tail -n 22
timeout 200 python3 benchmarks/decode.py --d 64 --out $OUT/d64 2>&1 | grep -v -i warn | tail -n 22
