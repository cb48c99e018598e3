#!/bin/bash
# Session 47 run 6 (H200): run 5's D = 64 calls were 2-15 % slower than the record (../../decode-h200-d64.md, session
# 40), whose calls ran warm (one cache back to back); three of the four shapes' caches now take copies in turn. The
# same tree (carry47d.tgz) with --warm, the record's way, and D = 128 warm for the same reason.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 1: attn_prefill.cu (left out of the carry)
mkdir -p $OUT/d64warm $OUT/d128warm
timeout 200 python3 benchmarks/decode.py --d 64 --warm --out $OUT/d64warm 2>&1 | grep -v -i warn | grep "^| "
timeout 250 python3 benchmarks/decode.py --warm --out $OUT/d128warm 2>&1 | grep -v -i warn | grep "^| "
